package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.TensorInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Shared helpers for the tensor tests. */
final class TensorTestSupport {
    private TensorTestSupport() {}

    /** Wraps raw block bytes as a {@code rows x cols} weight tensor, in native memory (like a mapped file). */
    static WeightTensor tensor(String name, GgmlType type, int rows, int cols, byte[] bytes) {
        MemorySegment seg = Arena.ofAuto().allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return WeightTensor.of(new TensorInfo(name, new long[]{cols, rows}, type, 0, seg));
    }

    /** Same, backed directly by the Java array (heap segment). */
    static WeightTensor heapTensor(String name, GgmlType type, int rows, int cols, byte[] bytes) {
        return WeightTensor.of(new TensorInfo(name, new long[]{cols, rows}, type, 0, MemorySegment.ofArray(bytes)));
    }

    /** Gaussian weights with a few outliers, like real checkpoints. */
    static float[] weights(long seed, int n, float std) {
        Random rnd = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (rnd.nextGaussian() * std);
            if (rnd.nextInt(97) == 0) w[i] *= 8;
        }
        return w;
    }

    static float half(int bits) { return Float.float16ToFloat((short) bits); }

    static int u16(byte[] b, int o) { return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8; }
}

package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_K: super-blocks of 256 = f16 d, f16 dmin, 12 bytes of packed 6-bit scales/mins, 128 bytes of nibbles.
 * Eight sub-blocks of 32; each 64-weight chunk uses 32 bytes: low nibbles are sub-block 2c, high nibbles 2c+1.
 * w = d * scale * q - dmin * min.
 */
public final class Q4_KTensor extends WeightTensor {
    Q4_KTensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q4_K; }
    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 256; b++, p += 144) {
            float d = Bytes.f16(data, p), dmin = Bytes.f16(data, p + 2);
            long scales = p + 4, qs = p + 16;
            int o = off + b * 256;
            for (int c = 0; c < 4; c++) {
                int sm1 = KQuants.scaleMin(data, scales, 2 * c), sm2 = KQuants.scaleMin(data, scales, 2 * c + 1);
                float d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8);
                float d2 = d * (sm2 & 0xFF), m2 = dmin * (sm2 >>> 8);
                for (int l = 0; l < 32; l++) {
                    int q = Bytes.u8(data, qs + 32L * c + l);
                    dst[o + 64 * c + l] = d1 * (q & 0xF) - m1;
                    dst[o + 64 * c + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        KQuants.decodeRow45(data, row * rowBytes + 144L * (c0 / 256), len, dst, off, false);
    }

    /**
     * Rows up to this many bytes have the next pair's bytes touched before a pair computes. Java has no prefetch
     * instruction, and from memory this kernel stalls on its loads: the pair's work between two cache lines fills the
     * out-of-order window, so few lines are in flight. Measured with two threads, weights from memory: 8192 x 2048
     * (1152-byte rows) 1.19-1.71 -> 0.91-0.96 ms; but 2048 x 8192 (4608-byte rows) 0.72-0.83 -> 0.88-1.05 ms, hence the
     * limit. Llama-3.2-1B Q4_K decode 10.7-11.0 -> 12.6-12.9 tok/s (12.0 touching every row). Q4_0, Q8_0 and Q6_K gained
     * nothing from the same touching (8192 x 2048: 0.75 -> 0.76-0.82, 0.93 -> 1.20, 1.58 -> 1.80 ms).
     */
    static final long TOUCH_ROW_BYTES = 2048;

    /**
     * With the table lookup, two rows at a time ({@link KQuants#dotRowPair4}): one row's chain is bound by its FMA
     * latency (Llama-3.2-1B Q4_K 8192 x 2048 from memory: the pair as fast as the tiles, 1.16-1.19 ms; SmolLM2-135M
     * Q4_K decode: 134-159 -> 145-182 tok/s). Without the lookup (AVX2) the tiles: there the one-row loop was slower
     * streaming from memory (1B Q4_K 110-112 against 101-103 ms per token).
     */
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        if (!Simd.TABLES) return false;
        float[] scales = Scratch.scales();
        boolean touch = rowBytes <= TOUCH_ROW_BYTES;
        long end = (long) rows * rowBytes;
        int sink = 0;
        for (int r = r0; r < r1; r += 2) { // an odd last row pairs with itself
            if (touch) sink += touch((r + 2) * rowBytes, Math.min(end, (r + 4) * rowBytes)); // the next pair's bytes
            int r2 = Math.min(r + 1, r1 - 1);
            KQuants.dotRowPair4(data, r * rowBytes, (r2 - r) * rowBytes, cols, x, scales, out, r, r2);
        }
        if (sink == 42) prefetchSink = sink;
        return true;
    }
}

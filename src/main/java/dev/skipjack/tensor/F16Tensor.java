package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/** IEEE half-precision weights. */
public final class F16Tensor extends WeightTensor {
    F16Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.F16; }

    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long base = (long) row * rowBytes;
        for (int i = 0; i < cols; i++) dst[off + i] = Bytes.f16(data, base + 2L * i);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        toFloats(data, row * rowBytes + 2L * c0, len, dst, off);
    }

    /**
     * {@code n} halves from byte {@code p} as floats. A plain loop on purpose: C2's auto-vectorizer turns
     * {@link Float#float16ToFloat} into {@code vcvtph2ps}, one instruction per 16 weights, which the Vector API cannot
     * express (emulating it costs nine; measured 1024 x 2048 one-thread dot 8.0 -> 10.3 G weights/s). Exact either way.
     */
    private static void toFloats(MemorySegment s, long p, int n, float[] dst, int off) {
        for (int i = 0; i < n; i++) dst[off + i] = Float.float16ToFloat(s.get(Bytes.SHORT, p + 2L * i));
    }

    // One row at a time, one chain (the matmul's order): the chain's FMA latency bounds it at ~14 G weights/s per
    // core, above what memory delivers to two cores. Here the vector emulation of the conversion beats
    // {@link #toFloats}, whose loop overheads cost more than its saved instructions when weights stream from memory
    // (8192 x 2048, 2 threads: 1.40 ms vs 1.83 ms converting 2048 at a time, 2.76 ms 128 at a time).
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        for (int r = r0; r < r1; r++) out[r] = dotRow(r, x, 0);
        return true;
    }

    private float dotRow(int row, MemorySegment x, long o) {
        MemorySegment s = data;
        long p = row * rowBytes;
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < cols; i += L, o += 4 * L) {
            a = Simd.f16(s, p + 2L * i).fma(act(x, o), a);
        }
        return VectorMath.sumLanes(a);
    }
}

package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/** Q8_0: blocks of 32 weights = f16 scale d, then 32 signed bytes q; w = d * q. */
public final class Q8_0Tensor extends WeightTensor {
    Q8_0Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q8_0; }

    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 32; b++, p += 34) {
            float d = Bytes.f16(data, p);
            for (int j = 0; j < 32; j++) dst[off + b * 32 + j] = d * Bytes.i8(data, p + 2 + j);
        }
    }

    /** Weights {@code [j, j+L)} of the block at {@code p}, whose scale is {@code d}. */
    private static FloatVector w(MemorySegment s, long p, int j, float d) {
        return Simd.i8(s, p + 2 + j).mul(d);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment s = data;
        long p = row * rowBytes + 34L * (c0 / 32);
        for (int b = 0; b < len / 32; b++, p += 34, off += 32) {
            float d = Bytes.f16(s, p);
            for (int j = 0; j < 32; j += L) w(s, p, j, d).intoArray(dst, off + j);
        }
    }

    // One row at a time, one chain (the matmul's order): the chain's FMA latency bounds it at ~14 G weights/s per
    // core, above what memory delivers to two cores.
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        MemorySegment s = data;
        boolean lookup = cacheResident;
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector a = FloatVector.zero(F);
            for (int b = 0; b < cols / 32; b++, p += 34) {
                float d = Bytes.f16(s, p, lookup);
                for (int j = 0; j < 32; j += L, o += 4 * L) {
                    a = w(s, p, j, d).fma(act(x, o), a);
                }
            }
            out[r] = VectorMath.sumLanes(a);
        }
        return true;
    }
}

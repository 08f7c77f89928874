package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/** Q4_1: blocks of 32 = f16 scale d, f16 minimum m, 16 bytes of nibbles (layout as Q4_0); w = d * nibble + m. */
public final class Q4_1Tensor extends WeightTensor {
    Q4_1Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q4_1; }

    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 32; b++, p += 20) {
            float d = Bytes.f16(data, p), m = Bytes.f16(data, p + 2);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(data, p + 4 + j);
                dst[o + j] = (q & 0xF) * d + m;
                dst[o + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    /** Weights {@code [j, j+L)} of the block at {@code p} (nibbles as Q4_0): d * q + m, two roundings as in the scalar code. */
    private static FloatVector w(MemorySegment s, long p, int j, float d, float m) {
        ByteVector q = Simd.bytes(s, p + 4 + (j & 15));
        return Simd.b2f(j < 16 ? q.and((byte) 0xF) : Simd.high4(q)).mul(d).add(m);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment s = data;
        long p = row * rowBytes + 20L * (c0 / 32);
        for (int b = 0; b < len / 32; b++, p += 20, off += 32) {
            float d = Bytes.f16(s, p), m = Bytes.f16(s, p + 2);
            for (int j = 0; j < 32; j += L) w(s, p, j, d, m).intoArray(dst, off + j);
        }
    }

    // One row at a time, one chain (the matmul's order): the chain's FMA latency bounds it at ~14 G weights/s per
    // core, above what memory delivers to two cores.
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        for (int r = r0; r < r1; r++) out[r] = dotRow(r, x, 0);
        return true;
    }

    private float dotRow(int row, MemorySegment x, long o) {
        MemorySegment s = data;
        long p = row * rowBytes;
        FloatVector a = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++, p += 20) {
            float d = Bytes.f16(s, p, scaleLookup), m = Bytes.f16(s, p + 2, scaleLookup);
            for (int j = 0; j < 32; j += L, o += 4 * L) {
                a = w(s, p, j, d, m).fma(act(x, o), a);
            }
        }
        return VectorMath.sumLanes(a);
    }
}

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

    @Override void decodeRows(int r0, int r1, float[] dst, int off) {
        MemorySegment s = data;
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes;
            for (int b = 0; b < cols / 32; b++, p += 20, off += 32) {
                float d = Bytes.f16(s, p), m = Bytes.f16(s, p + 2);
                for (int j = 0; j < 32; j += L) w(s, p, j, d, m).intoArray(dst, off + j);
            }
        }
    }

    @Override void dotRows(int r0, int r1, MemorySegment x, long xo, float[] out) {
        if (!Simd.ENABLED || cols % (4 * L) != 0) { super.dotRows(r0, r1, x, xo, out); return; }
        for (int r = r0; r < r1; r++) out[r] = dotRow(r, x, xo);
    }

    // VectorMath.dot's order for cols a multiple of 4L: chunk v goes to s0 and the accumulators rotate, so it lands
    // in accumulator v % 4 (C2 unrolls the loops, and one decoder in the body keeps the compilation small).
    private float dotRow(int row, MemorySegment x, long o) {
        MemorySegment s = data;
        long p = row * rowBytes;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (int b = 0; b < cols / 32; b++, p += 20) {
            float d = Bytes.f16(s, p), m = Bytes.f16(s, p + 2);
            for (int j = 0; j < 32; j += L, o += 4 * L) {
                FloatVector t = w(s, p, j, d, m).fma(act(x, o), s0);
                s0 = s1; s1 = s2; s2 = s3; s3 = t;
            }
        }
        return VectorMath.sumLanes(s0.add(s1).add(s2.add(s3)));
    }

    // The four-input version of dotRow: inputs t >= nt repeat the last one (their results are dropped).
    @Override boolean dotRows4(int r0, int r1, MemorySegment x, long xo, long xs, int nt, float[] out, int oo, int os) {
        if (!Simd.ENABLED || cols % (4 * L) != 0) return false;
        MemorySegment s = data;
        float[] acc = Scratch.acc();
        long x0 = xo, x1 = xo + Math.min(1, nt - 1) * xs, x2 = xo + Math.min(2, nt - 1) * xs, x3 = xo + Math.min(3, nt - 1) * xs;
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector z = FloatVector.zero(F);
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
            FloatVector c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
            for (int b = 0; b < cols / 32; b++, p += 20) {
                float d = Bytes.f16(s, p), m = Bytes.f16(s, p + 2);
                for (int j = 0; j < 32; j += L, o += 4 * L) {
                    FloatVector w = w(s, p, j, d, m);
                    FloatVector ta = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, VectorMath.NATIVE), a0);
                    FloatVector tb = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, VectorMath.NATIVE), b0);
                    FloatVector tc = w.fma(FloatVector.fromMemorySegment(F, x, x2 + o, VectorMath.NATIVE), c0);
                    FloatVector td = w.fma(FloatVector.fromMemorySegment(F, x, x3 + o, VectorMath.NATIVE), d0);
                    a0 = a1; a1 = a2; a2 = a3; a3 = ta;
                    b0 = b1; b1 = b2; b2 = b3; b3 = tb;
                    c0 = c1; c1 = c2; c2 = c3; c3 = tc;
                    d0 = d1; d1 = d2; d2 = d3; d3 = td;
                }
            }
            int g = (r - r0) & 3;
            a0.add(a1).add(a2.add(a3)).intoArray(acc, 4 * g * L);
            b0.add(b1).add(b2.add(b3)).intoArray(acc, (4 * g + 1) * L);
            c0.add(c1).add(c2.add(c3)).intoArray(acc, (4 * g + 2) * L);
            d0.add(d1).add(d2.add(d3)).intoArray(acc, (4 * g + 3) * L);
            if (g == 3 || r == r1 - 1) VectorMath.finishRows4(acc, g + 1, nt, out, oo, os, r - g);
        }
        return true;
    }
}

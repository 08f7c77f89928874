package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/**
 * Q6_K: super-blocks of 256 = 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 signed 8-bit scales,
 * f16 d. Each half (128 weights) uses 64 ql bytes, 32 qh bytes and 8 scales (one per 16 weights);
 * w = d * scale * (q - 32).
 */
public final class Q6_KTensor extends WeightTensor {
    Q6_KTensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q6_K; }
    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 256; b++, p += 210) {
            float d = Bytes.f16(data, p + 208);
            int o = off + b * 256;
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half, qh = p + 128 + 32L * half, sc = p + 192 + 8L * half;
                int y = o + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = Bytes.u8(data, ql + l), a2 = Bytes.u8(data, ql + l + 32), h = Bytes.u8(data, qh + l);
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((a2 & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((a2 >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * Bytes.i8(data, sc + is) * q1;
                    dst[y + l + 32] = d * Bytes.i8(data, sc + is + 2) * q2;
                    dst[y + l + 64] = d * Bytes.i8(data, sc + is + 4) * q3;
                    dst[y + l + 96] = d * Bytes.i8(data, sc + is + 6) * q4;
                }
            }
        }
    }

    /**
     * Weights {@code [u, u+L)} of a half (128 weights, u < 128). Quarter k = u / 32 takes the low (k < 2) or high
     * nibbles of ql[(k & 1) * 32 + l] and, as bits 4-5, bits 2k..2k+1 of qh[l] (moved with 16-bit shifts: x86 has
     * no byte shifts); weights 16i..16i+15 use scale i of the half's eight, {@code scales} holding them as bytes.
     * The scale product d * scale is rounded first, as in the scalar code.
     */
    private static FloatVector weights(MemorySegment s, long ql, long qh, long scales, int u, float d) {
        int k = u >>> 5, l = u & 31;
        ByteVector a = Simd.bytes(s, ql + (k & 1) * 32 + l);
        ByteVector q = k < 2 ? a.and((byte) 0xF) : Simd.high4(a);
        ShortVector h = Simd.bytes(s, qh + l).reinterpretAsShorts();
        q = q.or(h.lanewise(VectorOperators.LSHR, 2 * k).lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30));
        return Simd.b2f(q.sub((byte) 32)).mul(d * (byte) (scales >> 8 * ((l >>> 4) + 2 * k)));
    }

    @Override void decodeRows(int r0, int r1, float[] dst, int off) {
        MemorySegment s = data;
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes;
            for (int b = 0; b < cols / 256; b++, p += 210) {
                float d = Bytes.f16(s, p + 208);
                for (int half = 0; half < 2; half++, off += 128) {
                    long ql = p + 64L * half, qh = p + 128 + 32L * half, scales = s.get(Bytes.LONG, p + 192 + 8L * half);
                    for (int u = 0; u < 128; u += L) weights(s, ql, qh, scales, u, d).intoArray(dst, off + u);
                }
            }
        }
    }

    @Override void dotRows(int r0, int r1, MemorySegment x, long xo, float[] out) {
        if (!Simd.ENABLED) { super.dotRows(r0, r1, x, xo, out); return; }
        for (int r = r0; r < r1; r++) out[r] = dotRow(r, x, xo);
    }

    // VectorMath.dot's order (cols is a multiple of 256, so of 4L): chunk v goes to s0 and the accumulators rotate,
    // so it lands in accumulator v % 4 (C2 unrolls the loop, and one decoder in the body keeps the compilation small).
    private float dotRow(int row, MemorySegment x, long o) {
        MemorySegment s = data;
        long p = row * rowBytes;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (int b = 0; b < cols / 256; b++, p += 210) {
            float d = Bytes.f16(s, p + 208);
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half, qh = p + 128 + 32L * half, scales = s.get(Bytes.LONG, p + 192 + 8L * half);
                for (int u = 0; u < 128; u += L, o += 4 * L) {
                    FloatVector t = weights(s, ql, qh, scales, u, d).fma(act(x, o), s0);
                    s0 = s1; s1 = s2; s2 = s3; s3 = t;
                }
            }
        }
        return VectorMath.sumLanes(s0.add(s1).add(s2.add(s3)));
    }

    // The four-input version of dotRow: inputs t >= nt repeat the last one (their results are dropped).
    @Override boolean dotRows4(int r0, int r1, MemorySegment x, long xo, long xs, int nt, float[] out, int oo, int os) {
        if (!Simd.ENABLED) return false;
        MemorySegment s = data;
        float[] acc = Scratch.acc();
        long x0 = xo, x1 = xo + Math.min(1, nt - 1) * xs, x2 = xo + Math.min(2, nt - 1) * xs, x3 = xo + Math.min(3, nt - 1) * xs;
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector z = FloatVector.zero(F);
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
            FloatVector c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
            for (int b = 0; b < cols / 256; b++, p += 210) {
                float d = Bytes.f16(s, p + 208);
                for (int half = 0; half < 2; half++) {
                    long ql = p + 64L * half, qh = p + 128 + 32L * half, scales = s.get(Bytes.LONG, p + 192 + 8L * half);
                    for (int u = 0; u < 128; u += L, o += 4 * L) {
                    FloatVector w = weights(s, ql, qh, scales, u, d);
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

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
     * The sixteen scale products of the super-block at {@code p} ({@code d * scale_i}, rounded as in the scalar code)
     * into {@code dst[0..16)}: one vector conversion instead of a scalar extraction, conversion and product per 16 weights.
     */
    private static void scales(MemorySegment s, long p, float[] dst) {
        float d = Bytes.f16(s, p + 208);
        for (int part = 0; part < 16 / L; part++) Simd.i8(s, p + 192 + part * L).mul(d).intoArray(dst, part * L);
    }

    /**
     * Weights {@code [16j, 16j+L)} of quarter k (32 weights) of a half (128 weights), for j = 0, 1. Quarter k takes the
     * low (k < 2) or high nibbles of ql[(k & 1) * 32 + l] and, as bits 4-5, bits 2k..2k+1 of qh[l], moved there with one
     * 16-bit shift (x86 has no byte shifts); {@code ds} is the product d * scale of those 16 weights.
     */
    private static FloatVector weights(MemorySegment s, long ql, long qh, int k, int l, float ds) {
        ByteVector a = Simd.bytes(s, ql + (k & 1) * 32 + l);
        ByteVector q = k < 2 ? a.and((byte) 0xF) : Simd.high4(a);
        ShortVector h = Simd.bytes(s, qh + l).reinterpretAsShorts();
        ShortVector moved = k < 3 ? h.lanewise(VectorOperators.LSHL, 4 - 2 * k) : h.lanewise(VectorOperators.LSHR, 2);
        q = q.or(moved.reinterpretAsBytes().and((byte) 0x30));
        return Simd.b2f(q.sub((byte) 32)).mul(ds);
    }

    /**
     * {@link #weights} stored into {@code dst[off ..]}. Takes and returns no vector: when C2 runs out of inlining budget
     * in the matmul's compilation this stays a plain call instead of one that boxes its result (0.46 against 0.17 ms
     * for eight inputs after one-input passes, 256 x 2048).
     */
    private static void storeWeights(MemorySegment s, long ql, long qh, int k, int l, float ds, float[] dst, int off) {
        weights(s, ql, qh, k, l, ds).intoArray(dst, off);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment s = data;
        long p = row * rowBytes + 210L * (c0 / 256);
        float[] sc = Scratch.scales();
        for (int b = 0; b < len / 256; b++, p += 210) {
            scales(s, p, sc);
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half, qh = p + 128 + 32L * half;
                for (int u = 0; u < 128; u += L, off += L) {
                    int k = u >>> 5, l = u & 31;
                    storeWeights(s, ql, qh, k, l, sc[8 * half + 2 * k + (l >>> 4)], dst, off);
                }
            }
        }
    }

    // One row at a time, one chain (the matmul's order): the chain's FMA latency bounds it at ~14 G weights/s per
    // core, above what memory delivers to two cores.
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        float[] sc = Scratch.scales();
        for (int r = r0; r < r1; r++) out[r] = dotRow(r, x, sc);
        return true;
    }

    private float dotRow(int row, MemorySegment x, float[] sc) {
        MemorySegment s = data;
        long p = row * rowBytes, o = 0;
        FloatVector a = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++, p += 210) {
            scales(s, p, sc);
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half, qh = p + 128 + 32L * half;
                for (int u = 0; u < 128; u += L, o += 4 * L) {
                    int k = u >>> 5, l = u & 31;
                    a = weights(s, ql, qh, k, l, sc[8 * half + 2 * k + (l >>> 4)]).fma(act(x, o), a);
                }
            }
        }
        return VectorMath.sumLanes(a);
    }
}

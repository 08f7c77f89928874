package dev.skipjack.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/**
 * Shared pieces of the K-quant formats (super-blocks of 256 weights), including the vector kernels of Q4_K and
 * Q5_K, which differ only in Q5_K's fifth bits. Both cut a super-block into four 64-weight chunks: chunk c has 32
 * quant bytes whose low nibbles are sub-block 2c and high nibbles sub-block 2c+1, and in Q5_K bit 2c (low half)
 * or 2c+1 (high half) of the 32 qh bytes adds 16. Super-block: f16 d, f16 dmin, 12 bytes of scales/mins,
 * [32 bytes qh,] 128 bytes of quants. w = d * scale * q - dmin * min.
 */
final class KQuants {
    private KQuants() {}

    /**
     * The 6-bit scale and 6-bit min of sub-block {@code j} (0..7), packed in the 12 {@code scales} bytes of
     * Q4_K and Q5_K: sub-blocks 0-3 use the low 6 bits of bytes j and j+4; 4-7 combine a nibble of byte j+4
     * with the top 2 bits of bytes j-4 (scale) and j (min). Returns {@code scale | min << 8}.
     */
    static int scaleMin(MemorySegment s, long scales, int j) {
        int sc, m;
        if (j < 4) {
            sc = Bytes.u8(s, scales + j) & 63;
            m = Bytes.u8(s, scales + j + 4) & 63;
        } else {
            sc = (Bytes.u8(s, scales + j + 4) & 0xF) | ((Bytes.u8(s, scales + j - 4) >>> 6) << 4);
            m = (Bytes.u8(s, scales + j + 4) >>> 4) | ((Bytes.u8(s, scales + j) >>> 6) << 4);
        }
        return sc | m << 8;
    }

    /**
     * The effective scales and mins of the eight sub-blocks of the super-block at {@code p}: {@code dst[j] = d * scale_j},
     * {@code dst[8 + j] = dmin * min_j}, the same products as the scalar code. The 6-bit fields are unpacked four at a time
     * in 32-bit words (see {@link #scaleMin}: byte k of each word is sub-block k or k + 4), then the sixteen bytes are
     * converted and scaled as vectors. Written for speed: unpacked one by one, the scalar work per super-block was about
     * half the vector work of its 256 weights, and scalar integer ops compete with the vector ones for execution ports.
     */
    static void scales(MemorySegment s, long p, float[] dst) { scales(s, p, dst, 0); }

    /** {@link #scales(MemorySegment, long, float[])} into {@code dst[at .. at+16)}. */
    static void scales(MemorySegment s, long p, float[] dst, int at) {
        int dd = s.get(Bytes.INT, p);
        float d = Float.float16ToFloat((short) dd), dmin = Float.float16ToFloat((short) (dd >>> 16));
        long lo = s.get(Bytes.LONG, p + 4);
        int hi = s.get(Bytes.INT, p + 12), lo0 = (int) lo, lo1 = (int) (lo >>> 32);
        long sc = (lo0 & 0x3F3F3F3FL) | (long) ((hi & 0x0F0F0F0F) | (lo0 >>> 2 & 0x30303030)) << 32;
        long mn = (lo1 & 0x3F3F3F3FL) | (long) ((hi >>> 4 & 0x0F0F0F0F) | (lo1 >>> 2 & 0x30303030)) << 32;
        ByteVector b = LongVector.zero(LongVector.SPECIES_128).withLane(0, sc).withLane(1, mn).reinterpretAsBytes();
        for (int part = 0; part < 16 / L; part++) { // lanes 0-7 scales (times d), 8-15 mins (times dmin)
            FloatVector f = (FloatVector) b.convertShape(VectorOperators.B2F, F, part);
            FloatVector factor = L == 16 ? FloatVector.broadcast(F, d).blend(dmin, UPPER_HALF) : FloatVector.broadcast(F, part == 0 ? d : dmin);
            f.mul(factor).intoArray(dst, at + part * L);
        }
    }

    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(F, 0xFF00L);

    /**
     * Weights {@code [u, u+L)} of the 64-weight chunk whose 32 quant bytes are at {@code qs}: low nibbles for u < 32,
     * high nibbles after. Q5_K ({@code qh >= 0}) adds 16 where bit {@code bit} (low half) or {@code bit + 1} (high half)
     * of qh[u % 32] is set. {@code d*}/{@code m*}: effective scale and min of the two sub-blocks; multiply and
     * subtract stay two roundings, as in the scalar code.
     */
    private static FloatVector weights(MemorySegment s, long qs, long qh, int bit, int u, float d1, float m1, float d2, float m2) {
        boolean high = u >= 32;
        ByteVector b = Simd.bytes(s, qs + (u & 31));
        ByteVector q = high ? Simd.high4(b) : b.and((byte) 0xF);
        if (qh >= 0) { // the fifth bit moved to bit 4 with 16-bit shifts (x86 has no byte shifts), then masked
            ShortVector h = Simd.bytes(s, qh + (u & 31)).reinterpretAsShorts();
            q = q.or(h.lanewise(VectorOperators.LSHR, bit + (high ? 1 : 0)).lanewise(VectorOperators.LSHL, 4)
                    .reinterpretAsBytes().and((byte) 0x10));
        }
        return Simd.b2f(q).mul(high ? d2 : d1).sub(high ? m2 : m1);
    }

    /**
     * Q4_K sub-block {@code j}'s 16 possible weights {@code d_j * k - m_j} (two roundings, as in the scalar code) as
     * float bits for {@link Simd#lookup}, from the effective scales and mins of {@link #scales}.
     */
    private static IntVector table(float[] sm, int j) {
        return Simd.NIBBLES.mul(sm[j]).sub(sm[8 + j]).reinterpretAsInts();
    }

    /**
     * Q4_K with tables: the rows at byte offsets {@code p} and {@code p + gap} (the same row where gap is 0) times the
     * activations, one chain each in the matmul's order, into {@code out[r]} and {@code out[r2]}; interleaved chunk by
     * chunk so that two FMA chains are in flight (one chain's latency bounds a one-row kernel). Each row's body is
     * parsed once, in a loop over the two rows with the accumulators swapped after each: written out twice, the method
     * ran out of C2's inlining budget and boxed its vectors. {@code sm} needs 32 floats.
     */
    static void dotRowPair4(MemorySegment s, long p, long gap, int cols, MemorySegment x, float[] sm, float[] out, int r, int r2) {
        FloatVector a = FloatVector.zero(F), b = a;
        long o = 0;
        for (int k = 0; k < cols / 256; k++, p += 144) {
            for (int h = 0; h < 2; h++) scales(s, p + h * gap, sm, 16 * h);
            for (int c = 0; c < 4; c++, o += 256) {
                for (int h = 0; h < 2; h++) { // chunk c of row h accumulates into a; then a and b swap
                    long q = p + h * gap + 16 + 32L * c;
                    IntVector t1 = table(sm, 16 * h + 2 * c), t2 = table(sm, 16 * h + 2 * c + 1);
                    IntVector q0 = Simd.byteLanes(s, q), q1 = Simd.byteLanes(s, q + 16);
                    a = Simd.lookup(t1, q0).fma(act(x, o), a);
                    a = Simd.lookup(t1, q1).fma(act(x, o + 64), a);
                    a = Simd.lookupHigh(t2, q0).fma(act(x, o + 128), a);
                    a = Simd.lookupHigh(t2, q1).fma(act(x, o + 192), a);
                    FloatVector swap = a;
                    a = b;
                    b = swap;
                }
            }
        }
        out[r] = VectorMath.sumLanes(a);
        out[r2] = VectorMath.sumLanes(b);
    }

    /**
     * Vector decoding of a Q4_K ({@code five == false}) or Q5_K row starting at byte {@code p}: super-blocks of 176
     * (Q5_K) or 144 bytes, four 64-weight chunks each.
     */
    static void decodeRow45(MemorySegment s, long p, int cols, float[] dst, int off, boolean five) {
        long size = five ? 176 : 144, qsOff = five ? 48 : 16;
        float[] sm = Scratch.scales();
        if (!five && Simd.TABLES) {
            for (int b = 0; b < cols / 256; b++, p += size) {
                scales(s, p, sm);
                for (int c = 0; c < 4; c++, off += 64) {
                    IntVector t1 = table(sm, 2 * c), t2 = table(sm, 2 * c + 1);
                    IntVector q0 = Simd.byteLanes(s, p + 16 + 32L * c), q1 = Simd.byteLanes(s, p + 32 + 32L * c);
                    Simd.lookup(t1, q0).intoArray(dst, off);
                    Simd.lookup(t1, q1).intoArray(dst, off + 16);
                    Simd.lookupHigh(t2, q0).intoArray(dst, off + 32);
                    Simd.lookupHigh(t2, q1).intoArray(dst, off + 48);
                }
            }
            return;
        }
        for (int b = 0; b < cols / 256; b++, p += size) {
            scales(s, p, sm);
            long qh = five ? p + 16 : -1;
            for (int c = 0; c < 4; c++, off += 64) {
                float d1 = sm[2 * c], m1 = sm[8 + 2 * c], d2 = sm[2 * c + 1], m2 = sm[9 + 2 * c];
                long qs = p + qsOff + 32L * c;
                for (int u = 0; u < 64; u += L) weights(s, qs, qh, 2 * c, u, d1, m1, d2, m2).intoArray(dst, off + u);
            }
        }
    }

    /**
     * Fused dot of a Q4_K/Q5_K row with activations in the matmul's order (one chain), decoding as
     * {@link #weights}; Q4_K with the table lookup uses {@link #dotRowPair4} instead.
     */
    static float dotRow45(MemorySegment s, long p, int cols, MemorySegment x, long o, boolean five, float[] sm) {
        long size = five ? 176 : 144, qsOff = five ? 48 : 16;
        FloatVector a = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++, p += size) {
            scales(s, p, sm);
            long qh = five ? p + 16 : -1;
            for (int c = 0; c < 4; c++) {
                float d1 = sm[2 * c], m1 = sm[8 + 2 * c], d2 = sm[2 * c + 1], m2 = sm[9 + 2 * c];
                long qs = p + qsOff + 32L * c;
                for (int u = 0; u < 64; u += L, o += 4 * L) {
                    a = weights(s, qs, qh, 2 * c, u, d1, m1, d2, m2).fma(act(x, o), a);
                }
            }
        }
        return VectorMath.sumLanes(a);
    }
}

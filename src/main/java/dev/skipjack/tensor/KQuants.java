package dev.skipjack.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
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

    /** {@link #scaleMin} from the 12 scale bytes held in registers: bytes 0-7 in {@code lo}, 8-11 in {@code hi}. */
    static int scaleMin(long lo, int hi, int j) {
        if (j < 4) return ((int) (lo >>> 8 * j) & 63) | ((int) (lo >>> 8 * j + 32) & 63) << 8;
        int b = hi >>> 8 * (j - 4) & 0xFF; // byte j + 4
        int sc = (b & 0xF) | ((int) (lo >>> 8 * (j - 4)) & 0xC0) >>> 2;
        int m = (b >>> 4) | ((int) (lo >>> 8 * j) & 0xC0) >>> 2;
        return sc | m << 8;
    }

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
     * Vector decoding of a Q4_K ({@code five == false}) or Q5_K row starting at byte {@code p}: super-blocks of 176
     * (Q5_K) or 144 bytes, four 64-weight chunks each.
     */
    static void decodeRow45(MemorySegment s, long p, int cols, float[] dst, int off, boolean five) {
        long size = five ? 176 : 144, qsOff = five ? 48 : 16;
        for (int b = 0; b < cols / 256; b++, p += size) {
            int dd = s.get(Bytes.INT, p);
            float d = Float.float16ToFloat((short) dd), dmin = Float.float16ToFloat((short) (dd >>> 16));
            long lo = s.get(Bytes.LONG, p + 4);
            int hi = s.get(Bytes.INT, p + 12);
            long qh = five ? p + 16 : -1;
            for (int c = 0; c < 4; c++, off += 64) {
                int sm1 = scaleMin(lo, hi, 2 * c), sm2 = scaleMin(lo, hi, 2 * c + 1);
                float d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8), d2 = d * (sm2 & 0xFF), m2 = dmin * (sm2 >>> 8);
                long qs = p + qsOff + 32L * c;
                for (int u = 0; u < 64; u += L) weights(s, qs, qh, 2 * c, u, d1, m1, d2, m2).intoArray(dst, off + u);
            }
        }
    }

    /**
     * Fused dot of a Q4_K/Q5_K row with activations in the matmul's order (one chain).
     */
    static float dotRow45(MemorySegment s, long p, int cols, MemorySegment x, long o, boolean five) {
        long size = five ? 176 : 144, qsOff = five ? 48 : 16;
        FloatVector a = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++, p += size) {
            int dd = s.get(Bytes.INT, p);
            float d = Float.float16ToFloat((short) dd), dmin = Float.float16ToFloat((short) (dd >>> 16));
            long lo = s.get(Bytes.LONG, p + 4);
            int hi = s.get(Bytes.INT, p + 12);
            long qh = five ? p + 16 : -1;
            for (int c = 0; c < 4; c++) {
                int sm1 = scaleMin(lo, hi, 2 * c), sm2 = scaleMin(lo, hi, 2 * c + 1);
                float d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8), d2 = d * (sm2 & 0xFF), m2 = dmin * (sm2 >>> 8);
                long qs = p + qsOff + 32L * c;
                for (int u = 0; u < 64; u += L, o += 4 * L) {
                    a = weights(s, qs, qh, 2 * c, u, d1, m1, d2, m2).fma(act(x, o), a);
                }
            }
        }
        return VectorMath.sumLanes(a);
    }
}

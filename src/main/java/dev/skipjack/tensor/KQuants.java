package dev.skipjack.tensor;

import java.lang.foreign.MemorySegment;

/** Shared pieces of the K-quant formats (super-blocks of 256 weights). */
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
}

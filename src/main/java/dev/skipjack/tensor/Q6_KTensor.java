package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

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
     * The 32 quants of quarter k (32 weights) of a half (128 weights), {@code q - 32} as signed bytes. Quarter k takes
     * the low (k < 2) or high nibbles of ql[(k & 1) * 32 + l] and, as bits 4-5, bits 2k..2k+1 of qh[l], moved there with
     * one 16-bit shift (x86 has no byte shifts). The byte work is done once on a 32-byte vector, not once per L weights:
     * the one-input kernel ran 35% faster from L2 (8192 x 2048, one thread: 2.95 -> 1.83-1.93 ms; two threads from
     * memory 1.60-1.69 -> 1.43-1.53 ms; Llama-3.2-1B Q4_K decode, whose output matrix is Q6_K, +4%).
     */
    private static ByteVector quarter(MemorySegment s, long ql, long qh, int k) {
        ByteVector a = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, s, ql + (k & 1) * 32, ByteOrder.LITTLE_ENDIAN);
        ByteVector q = k < 2 ? a.and((byte) 0xF) : Simd.high4(a);
        ShortVector h = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, s, qh, ByteOrder.LITTLE_ENDIAN).reinterpretAsShorts();
        ShortVector moved = k < 3 ? h.lanewise(VectorOperators.LSHL, 4 - 2 * k) : h.lanewise(VectorOperators.LSHR, 2);
        return q.or(moved.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
    }

    /** Weights {@code [L*part, L*part + L)} of a {@link #quarter}: {@code ds} is d * scale of their 16-weight group. */
    private static FloatVector weights(ByteVector quarter, int part, float ds) {
        return ((FloatVector) quarter.convertShape(VectorOperators.B2F, F, part)).mul(ds);
    }

    /**
     * The 32 weights of quarter k into {@code dst[off ..]}; {@code sc[j]}, {@code sc[j + 1]}: its two scale products.
     * Takes and returns no vector: when C2 runs out of inlining budget in the matmul's compilation this stays a plain
     * call instead of one that boxes its result (0.46 against 0.17 ms for eight inputs after one-input passes, 256 x 2048).
     */
    private static void storeQuarter(MemorySegment s, long ql, long qh, int k, float[] sc, int j, float[] dst, int off) {
        ByteVector q = quarter(s, ql, qh, k);
        for (int part = 0; part < 32 / L; part++) weights(q, part, sc[j + part * L / 16]).intoArray(dst, off + part * L);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment s = data;
        long p = row * rowBytes + 210L * (c0 / 256);
        float[] sc = Scratch.scales();
        for (int b = 0; b < len / 256; b++, p += 210) {
            scales(s, p, sc);
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half, qh = p + 128 + 32L * half;
                for (int k = 0; k < 4; k++, off += 32) storeQuarter(s, ql, qh, k, sc, 8 * half + 2 * k, dst, off);
            }
        }
    }

    // One row at a time, one chain (the matmul's order). Two rows interleaved (two chains) were no faster from memory,
    // and touching the next row ahead as Q4_K does was slower (8192 x 2048, two threads: 1.36-1.42 -> 1.41-1.54 ms).
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
                for (int k = 0; k < 4; k++) {
                    ByteVector q = quarter(s, ql, qh, k);
                    for (int part = 0; part < 32 / L; part++, o += 4 * L) {
                        a = weights(q, part, sc[8 * half + 2 * k + part * L / 16]).fma(act(x, o), a);
                    }
                }
            }
        }
        return VectorMath.sumLanes(a);
    }
}

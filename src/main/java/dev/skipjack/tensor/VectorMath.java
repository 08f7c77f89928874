package dev.skipjack.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Float vector kernels with a summation order fixed by the length alone (never by batch or thread).
 *
 * <p>The order of {@link #chainDot} is the contract every matmul kernel reproduces bit for bit: one accumulator
 * FMAs vector chunk {@code v} (elements {@code [vL, vL+L)}) for v = 0, 1, ... in turn; then {@link #sumLanes}; then
 * the scalar tail adds {@code a[i] * b[i]} one by one. {@link #dot} (four accumulators, for attention and norms) is
 * faster for a single long dot, but would need four accumulators per (row, input) pair in a matmul tile.
 *
 * <p>The matmul kernels read their input vectors from a 64-byte aligned native segment (a copy of the
 * activations): a Java float[] is only 16-byte aligned, and split 512-bit loads cost up to half the FMA rate.
 *
 * <p>Hot kernels call the Vector API directly rather than through small helpers of ours: C2 stops inlining
 * ordinary methods once a compilation passes ~18000 parse nodes (each vector operation costs ~500), and a vector
 * passed to a method that was not inlined gets boxed. The API's own methods are always inlined.
 */
public final class VectorMath {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Byte order of the activation copies (written by {@link MemorySegment#copy} in native order). */
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final VectorShuffle<Float> FOLD8 = fold(8), FOLD4 = fold(4), FOLD2 = fold(2), FOLD1 = fold(1);

    private VectorMath() {}

    /** Dot product of {@code a[ao..ao+n)} and {@code b[bo..bo+n)}. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s0);
            s1 = FloatVector.fromArray(F, a, ao + i + L).fma(FloatVector.fromArray(F, b, bo + i + L), s1);
            s2 = FloatVector.fromArray(F, a, ao + i + 2 * L).fma(FloatVector.fromArray(F, b, bo + i + 2 * L), s2);
            s3 = FloatVector.fromArray(F, a, ao + i + 3 * L).fma(FloatVector.fromArray(F, b, bo + i + 3 * L), s3);
        }
        FloatVector s = s0.add(s1).add(s2.add(s3)); // all +0 when n < 4L: the same as starting from zero
        for (; i + L <= n; i += L) s = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s);
        float sum = sumLanes(s);
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /**
     * The matmul's dot order ({@link WeightTensor#matmul}): one accumulator FMAs the whole-vector chunks of
     * {@code a[ao..ao+n)} and {@code b[bo..bo+n)} in order, then {@link #sumLanes}, then the scalar tail one by one.
     * A single chain is latency-bound for one row, but lets the matmul tile many (row, input) pairs in registers.
     */
    public static float chainDot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector s = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) s = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s);
        float sum = sumLanes(s);
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /**
     * 24 chains of {@link #chainDot} at once: 4 rows of decoded weights ({@code w} at {@code wo + k*ws}, k = 0..3) times 6
     * inputs (native floats at byte offsets {@code x0..x5} of {@code x}), over {@code chunks} vector chunks. The chain
     * of input j and row k lives at {@code acc[ao + (4j + k)*L ..]}: read at the start unless {@code first} (then zero),
     * written back at the end. Per chunk: 10 loads for 24 FMAs, all in registers (24 accumulators). Of the tile shapes
     * measured here (C2, AVX-512) 4 x 6 and 8 x 3 ran fastest, at ~75% of the FMA peak; 4 x 4 reached only ~45%.
     */
    static void tile4x6(float[] w, int wo, int ws, int chunks, MemorySegment x, long x0, long x1, long x2, long x3, long x4, long x5,
                        float[] acc, int ao, boolean first) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (first) {
            FloatVector z = FloatVector.zero(F);
            c00 = z; c01 = z; c02 = z; c03 = z;
            c10 = z; c11 = z; c12 = z; c13 = z;
            c20 = z; c21 = z; c22 = z; c23 = z;
            c30 = z; c31 = z; c32 = z; c33 = z;
            c40 = z; c41 = z; c42 = z; c43 = z;
            c50 = z; c51 = z; c52 = z; c53 = z;
        } else {
            c00 = FloatVector.fromArray(F, acc, ao + 0 * L); c01 = FloatVector.fromArray(F, acc, ao + 1 * L); c02 = FloatVector.fromArray(F, acc, ao + 2 * L); c03 = FloatVector.fromArray(F, acc, ao + 3 * L);
            c10 = FloatVector.fromArray(F, acc, ao + 4 * L); c11 = FloatVector.fromArray(F, acc, ao + 5 * L); c12 = FloatVector.fromArray(F, acc, ao + 6 * L); c13 = FloatVector.fromArray(F, acc, ao + 7 * L);
            c20 = FloatVector.fromArray(F, acc, ao + 8 * L); c21 = FloatVector.fromArray(F, acc, ao + 9 * L); c22 = FloatVector.fromArray(F, acc, ao + 10 * L); c23 = FloatVector.fromArray(F, acc, ao + 11 * L);
            c30 = FloatVector.fromArray(F, acc, ao + 12 * L); c31 = FloatVector.fromArray(F, acc, ao + 13 * L); c32 = FloatVector.fromArray(F, acc, ao + 14 * L); c33 = FloatVector.fromArray(F, acc, ao + 15 * L);
            c40 = FloatVector.fromArray(F, acc, ao + 16 * L); c41 = FloatVector.fromArray(F, acc, ao + 17 * L); c42 = FloatVector.fromArray(F, acc, ao + 18 * L); c43 = FloatVector.fromArray(F, acc, ao + 19 * L);
            c50 = FloatVector.fromArray(F, acc, ao + 20 * L); c51 = FloatVector.fromArray(F, acc, ao + 21 * L); c52 = FloatVector.fromArray(F, acc, ao + 22 * L); c53 = FloatVector.fromArray(F, acc, ao + 23 * L);
        }
        for (int v = 0, i = 0; v < chunks; v++, i += L) {
            long o = 4L * i;
            FloatVector w0 = FloatVector.fromArray(F, w, wo + i), w1 = FloatVector.fromArray(F, w, wo + ws + i);
            FloatVector w2 = FloatVector.fromArray(F, w, wo + 2 * ws + i), w3 = FloatVector.fromArray(F, w, wo + 3 * ws + i);
            FloatVector u = FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE);
            c00 = w0.fma(u, c00); c01 = w1.fma(u, c01); c02 = w2.fma(u, c02); c03 = w3.fma(u, c03);
            u = FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE);
            c10 = w0.fma(u, c10); c11 = w1.fma(u, c11); c12 = w2.fma(u, c12); c13 = w3.fma(u, c13);
            u = FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE);
            c20 = w0.fma(u, c20); c21 = w1.fma(u, c21); c22 = w2.fma(u, c22); c23 = w3.fma(u, c23);
            u = FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE);
            c30 = w0.fma(u, c30); c31 = w1.fma(u, c31); c32 = w2.fma(u, c32); c33 = w3.fma(u, c33);
            u = FloatVector.fromMemorySegment(F, x, x4 + o, NATIVE);
            c40 = w0.fma(u, c40); c41 = w1.fma(u, c41); c42 = w2.fma(u, c42); c43 = w3.fma(u, c43);
            u = FloatVector.fromMemorySegment(F, x, x5 + o, NATIVE);
            c50 = w0.fma(u, c50); c51 = w1.fma(u, c51); c52 = w2.fma(u, c52); c53 = w3.fma(u, c53);
        }
        c00.intoArray(acc, ao + 0 * L); c01.intoArray(acc, ao + 1 * L); c02.intoArray(acc, ao + 2 * L); c03.intoArray(acc, ao + 3 * L);
        c10.intoArray(acc, ao + 4 * L); c11.intoArray(acc, ao + 5 * L); c12.intoArray(acc, ao + 6 * L); c13.intoArray(acc, ao + 7 * L);
        c20.intoArray(acc, ao + 8 * L); c21.intoArray(acc, ao + 9 * L); c22.intoArray(acc, ao + 10 * L); c23.intoArray(acc, ao + 11 * L);
        c30.intoArray(acc, ao + 12 * L); c31.intoArray(acc, ao + 13 * L); c32.intoArray(acc, ao + 14 * L); c33.intoArray(acc, ao + 15 * L);
        c40.intoArray(acc, ao + 16 * L); c41.intoArray(acc, ao + 17 * L); c42.intoArray(acc, ao + 18 * L); c43.intoArray(acc, ao + 19 * L);
        c50.intoArray(acc, ao + 20 * L); c51.intoArray(acc, ao + 21 * L); c52.intoArray(acc, ao + 22 * L); c53.intoArray(acc, ao + 23 * L);
    }

    /** {@link #tile4x6} for four inputs. */
    static void tile4x4(float[] w, int wo, int ws, int chunks, MemorySegment x, long x0, long x1, long x2, long x3,
                        float[] acc, int ao, boolean first) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        if (first) {
            FloatVector z = FloatVector.zero(F);
            c00 = z; c01 = z; c02 = z; c03 = z;
            c10 = z; c11 = z; c12 = z; c13 = z;
            c20 = z; c21 = z; c22 = z; c23 = z;
            c30 = z; c31 = z; c32 = z; c33 = z;
        } else {
            c00 = FloatVector.fromArray(F, acc, ao + 0 * L); c01 = FloatVector.fromArray(F, acc, ao + 1 * L); c02 = FloatVector.fromArray(F, acc, ao + 2 * L); c03 = FloatVector.fromArray(F, acc, ao + 3 * L);
            c10 = FloatVector.fromArray(F, acc, ao + 4 * L); c11 = FloatVector.fromArray(F, acc, ao + 5 * L); c12 = FloatVector.fromArray(F, acc, ao + 6 * L); c13 = FloatVector.fromArray(F, acc, ao + 7 * L);
            c20 = FloatVector.fromArray(F, acc, ao + 8 * L); c21 = FloatVector.fromArray(F, acc, ao + 9 * L); c22 = FloatVector.fromArray(F, acc, ao + 10 * L); c23 = FloatVector.fromArray(F, acc, ao + 11 * L);
            c30 = FloatVector.fromArray(F, acc, ao + 12 * L); c31 = FloatVector.fromArray(F, acc, ao + 13 * L); c32 = FloatVector.fromArray(F, acc, ao + 14 * L); c33 = FloatVector.fromArray(F, acc, ao + 15 * L);
        }
        for (int v = 0, i = 0; v < chunks; v++, i += L) {
            long o = 4L * i;
            FloatVector w0 = FloatVector.fromArray(F, w, wo + i), w1 = FloatVector.fromArray(F, w, wo + ws + i);
            FloatVector w2 = FloatVector.fromArray(F, w, wo + 2 * ws + i), w3 = FloatVector.fromArray(F, w, wo + 3 * ws + i);
            FloatVector u = FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE);
            c00 = w0.fma(u, c00); c01 = w1.fma(u, c01); c02 = w2.fma(u, c02); c03 = w3.fma(u, c03);
            u = FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE);
            c10 = w0.fma(u, c10); c11 = w1.fma(u, c11); c12 = w2.fma(u, c12); c13 = w3.fma(u, c13);
            u = FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE);
            c20 = w0.fma(u, c20); c21 = w1.fma(u, c21); c22 = w2.fma(u, c22); c23 = w3.fma(u, c23);
            u = FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE);
            c30 = w0.fma(u, c30); c31 = w1.fma(u, c31); c32 = w2.fma(u, c32); c33 = w3.fma(u, c33);
        }
        c00.intoArray(acc, ao + 0 * L); c01.intoArray(acc, ao + 1 * L); c02.intoArray(acc, ao + 2 * L); c03.intoArray(acc, ao + 3 * L);
        c10.intoArray(acc, ao + 4 * L); c11.intoArray(acc, ao + 5 * L); c12.intoArray(acc, ao + 6 * L); c13.intoArray(acc, ao + 7 * L);
        c20.intoArray(acc, ao + 8 * L); c21.intoArray(acc, ao + 9 * L); c22.intoArray(acc, ao + 10 * L); c23.intoArray(acc, ao + 11 * L);
        c30.intoArray(acc, ao + 12 * L); c31.intoArray(acc, ao + 13 * L); c32.intoArray(acc, ao + 14 * L); c33.intoArray(acc, ao + 15 * L);
    }

    /** {@link #tile4x4} for two inputs. */
    static void tile4x2(float[] w, int wo, int ws, int chunks, MemorySegment x, long x0, long x1, float[] acc, int ao, boolean first) {
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13;
        if (first) {
            FloatVector z = FloatVector.zero(F);
            c00 = z; c01 = z; c02 = z; c03 = z; c10 = z; c11 = z; c12 = z; c13 = z;
        } else {
            c00 = FloatVector.fromArray(F, acc, ao); c01 = FloatVector.fromArray(F, acc, ao + L);
            c02 = FloatVector.fromArray(F, acc, ao + 2 * L); c03 = FloatVector.fromArray(F, acc, ao + 3 * L);
            c10 = FloatVector.fromArray(F, acc, ao + 4 * L); c11 = FloatVector.fromArray(F, acc, ao + 5 * L);
            c12 = FloatVector.fromArray(F, acc, ao + 6 * L); c13 = FloatVector.fromArray(F, acc, ao + 7 * L);
        }
        for (int v = 0, i = 0; v < chunks; v++, i += L) {
            long o = 4L * i;
            FloatVector w0 = FloatVector.fromArray(F, w, wo + i), w1 = FloatVector.fromArray(F, w, wo + ws + i);
            FloatVector w2 = FloatVector.fromArray(F, w, wo + 2 * ws + i), w3 = FloatVector.fromArray(F, w, wo + 3 * ws + i);
            FloatVector u = FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE);
            c00 = w0.fma(u, c00); c01 = w1.fma(u, c01); c02 = w2.fma(u, c02); c03 = w3.fma(u, c03);
            u = FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE);
            c10 = w0.fma(u, c10); c11 = w1.fma(u, c11); c12 = w2.fma(u, c12); c13 = w3.fma(u, c13);
        }
        c00.intoArray(acc, ao); c01.intoArray(acc, ao + L); c02.intoArray(acc, ao + 2 * L); c03.intoArray(acc, ao + 3 * L);
        c10.intoArray(acc, ao + 4 * L); c11.intoArray(acc, ao + 5 * L); c12.intoArray(acc, ao + 6 * L); c13.intoArray(acc, ao + 7 * L);
    }

    /** {@link #tile4x4} for one input (four independent chains, one input load per four FMAs). */
    static void tile4x1(float[] w, int wo, int ws, int chunks, MemorySegment x, long x0, float[] acc, int ao, boolean first) {
        FloatVector c0, c1, c2, c3;
        if (first) {
            c0 = c1 = c2 = c3 = FloatVector.zero(F);
        } else {
            c0 = FloatVector.fromArray(F, acc, ao); c1 = FloatVector.fromArray(F, acc, ao + L);
            c2 = FloatVector.fromArray(F, acc, ao + 2 * L); c3 = FloatVector.fromArray(F, acc, ao + 3 * L);
        }
        for (int v = 0, i = 0; v < chunks; v++, i += L) {
            FloatVector u = FloatVector.fromMemorySegment(F, x, x0 + 4L * i, NATIVE);
            c0 = FloatVector.fromArray(F, w, wo + i).fma(u, c0);
            c1 = FloatVector.fromArray(F, w, wo + ws + i).fma(u, c1);
            c2 = FloatVector.fromArray(F, w, wo + 2 * ws + i).fma(u, c2);
            c3 = FloatVector.fromArray(F, w, wo + 3 * ws + i).fma(u, c3);
        }
        c0.intoArray(acc, ao); c1.intoArray(acc, ao + L); c2.intoArray(acc, ao + 2 * L); c3.intoArray(acc, ao + 3 * L);
    }

    // Lane selections for sumLanes16: level h pairs two vectors holding 16/(2h) partial vectors of 2h lanes each, and
    // takes the first h lanes of every partial (LO) and the last h (HI); LO + HI is one step of sumLanes' tree.
    private static final FloatVector[] LO = new FloatVector[9], HI = new FloatVector[9];
    static {
        if (L == 16) {
            for (int h = 8; h >= 1; h /= 2) {
                float[] lo = new float[16], hi = new float[16];
                int per = 16 / (2 * h); // partials per input vector
                for (int q = 0; q < 16; q++) {
                    int m = q / h, i = q % h;
                    int src = m < per ? m * 2 * h + i : 16 + (m - per) * 2 * h + i;
                    lo[q] = src;
                    hi[q] = src + h;
                }
                LO[h] = FloatVector.fromArray(F, lo, 0);
                HI[h] = FloatVector.fromArray(F, hi, 0);
            }
        }
    }

    /**
     * {@link #sumLanes(FloatVector)} of the 16 vectors at {@code acc[base + p*16 ..]}, p = 0..15, all at once (L = 16):
     * each level adds the halves of two vectors' partial sums into one vector (the same additions as the tree, done
     * across vectors), so 16 sums cost 15 adds and 30 lane selections. Results land in {@code acc[base .. base+16)};
     * {@code acc[scratch .. scratch+128)} is overwritten.
     */
    static void sumLanes16(float[] acc, int base, int scratch) {
        int in = base, out = scratch; // levels alternate between the two areas
        for (int h = 8; h >= 1; h /= 2) { // h outputs per level: pairs (2q, 2q+1) of the level's inputs
            FloatVector lo = LO[h], hi = HI[h];
            for (int q = 0; q < h; q++) {
                FloatVector u = FloatVector.fromArray(F, acc, in + 32 * q), v = FloatVector.fromArray(F, acc, in + 32 * q + 16);
                lo.selectFrom(u, v).add(hi.selectFrom(u, v)).intoArray(acc, out + 16 * q);
            }
            int next = in;
            in = out;
            out = next;
        }
    }

    /** Inputs one fused kernel serves: each decoded weight vector feeds this many chains (see {@link WeightTensor#fused4}). */
    static final int FUSED = 8;

    /**
     * Byte offset of input {@code j} of {@code n} in the activation copy ({@code cols} floats each), repeating the last
     * input for j >= n: a fused kernel always runs {@link #FUSED} chains, and the surplus ones are dropped.
     */
    static long input(int j, int n, int cols) {
        return 4L * cols * Math.min(j, n - 1);
    }

    /**
     * Finishes a fused kernel's two rows: the 16 chains parked at {@code acc[p*L ..]} (p = 8*row + input, row 0 or 1)
     * are reduced by {@link #sumLanes}' tree, and the first {@code n} inputs' sums of row {@code r} (and of row
     * {@code r+1} if {@code both}) are written to {@code out[(j0 + input)*rows + row]}, j0 being the group's first input.
     * Takes the chains from an array because C2 boxes vectors passed to a method it does not inline.
     */
    static void storeChains(float[] acc, float[] out, int rows, int r, int n, boolean both, int j0) {
        sumSixteenChains(acc);
        for (int j = 0; j < n; j++) out[(j0 + j) * rows + r] = acc[j];
        if (both) for (int j = 0; j < n; j++) out[(j0 + j) * rows + r + 1] = acc[FUSED + j];
    }

    /**
     * The lane sums of the 16 chains at {@code acc[p*L]} into {@code acc[0..16)}: {@link #sumLanes16} with 16 lanes,
     * else chain by chain (the same tree either way); {@code acc[16L .. 24L)} is scratch.
     */
    private static void sumSixteenChains(float[] acc) {
        if (L == 16) {
            sumLanes16(acc, 0, 16 * L);
        } else {
            for (int p = 0; p < 16; p++) acc[p] = sumLanes(acc, p * L);
        }
    }

    /**
     * The lane sums of {@link WeightTensor#fusedQuad}'s 16 chains (row k, input j at {@code acc[(4k + j)*L]}) into
     * {@code out[(j0 + j)*rows + r + k]} for the first {@code n} inputs.
     */
    static void storeQuad(float[] acc, float[] out, int rows, int r, int n, int j0) {
        sumSixteenChains(acc);
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < n; j++) out[(j0 + j) * rows + r + k] = acc[4 * k + j];
        }
    }

    /** L activations at byte offset {@code off} of an activation copy. */
    static FloatVector act(MemorySegment x, long off) {
        return FloatVector.fromMemorySegment(F, x, off, NATIVE);
    }

    /**
     * Slots per block of the key cache's layout ({@link #keyIndex}): a block holds every key element of 16 consecutive
     * slots, element-major, so that one vector load reads one element of 16 (or 8) slots.
     */
    public static final int KEY_BLOCK = 16;

    /** Where element {@code c} (of {@code kvDim}) of slot {@code t}'s key lies in the blocked key layout. */
    public static int keyIndex(int t, int c, int kvDim) {
        return (t / KEY_BLOCK) * KEY_BLOCK * kvDim + c * KEY_BLOCK + t % KEY_BLOCK;
    }

    /**
     * Attention scores of one query against the keys of slots {@code [0, count)} in the blocked layout:
     * {@code scores[t] = (q[qo] * k_t[ko] + ... + q[qo+len-1] * k_t[ko+len-1]) * scale}, the sum one chain of fused
     * multiply-adds in order of the element, so a score depends only on the two vectors, never on the batch or on which
     * slots are computed with it. Whole vectors of slots are computed (up to {@code count} rounded up to L; {@code keys}
     * and {@code scores} must reach that far). With the slots in lanes there is no lane sum per score: per slot and
     * element one FMA, against the 4 FMAs and a 16-lane reduction per slot of a dot product, which made attention a
     * tenth of verifying 16 tokens.
     */
    public static void keyScores(float[] q, int qo, float[] keys, int ko, int kvDim, int len, int count, float scale, float[] scores) {
        if (KEY_BLOCK % L != 0) { // vectors wider than a block: the same chains one slot at a time
            for (int t = 0; t < count; t++) {
                float a = 0f;
                for (int d = 0, k = keyIndex(t, ko, kvDim); d < len; d++, k += KEY_BLOCK) a = Math.fma(q[qo + d], keys[k], a);
                scores[t] = a * scale;
            }
            return;
        }
        int units = Math.ceilDiv(count, L), u = 0;
        for (; u + 8 <= units; u += 8) { // eight chains hide the FMA latency
            int k0 = keyIndex(u * L, ko, kvDim), k1 = keyIndex((u + 1) * L, ko, kvDim), k2 = keyIndex((u + 2) * L, ko, kvDim);
            int k3 = keyIndex((u + 3) * L, ko, kvDim), k4 = keyIndex((u + 4) * L, ko, kvDim), k5 = keyIndex((u + 5) * L, ko, kvDim);
            int k6 = keyIndex((u + 6) * L, ko, kvDim), k7 = keyIndex((u + 7) * L, ko, kvDim);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int d = 0, e = 0; d < len; d++, e += KEY_BLOCK) {
                FloatVector qd = FloatVector.broadcast(F, q[qo + d]);
                a0 = qd.fma(FloatVector.fromArray(F, keys, k0 + e), a0);
                a1 = qd.fma(FloatVector.fromArray(F, keys, k1 + e), a1);
                a2 = qd.fma(FloatVector.fromArray(F, keys, k2 + e), a2);
                a3 = qd.fma(FloatVector.fromArray(F, keys, k3 + e), a3);
                a4 = qd.fma(FloatVector.fromArray(F, keys, k4 + e), a4);
                a5 = qd.fma(FloatVector.fromArray(F, keys, k5 + e), a5);
                a6 = qd.fma(FloatVector.fromArray(F, keys, k6 + e), a6);
                a7 = qd.fma(FloatVector.fromArray(F, keys, k7 + e), a7);
            }
            int t = u * L;
            a0.mul(scale).intoArray(scores, t); a1.mul(scale).intoArray(scores, t + L);
            a2.mul(scale).intoArray(scores, t + 2 * L); a3.mul(scale).intoArray(scores, t + 3 * L);
            a4.mul(scale).intoArray(scores, t + 4 * L); a5.mul(scale).intoArray(scores, t + 5 * L);
            a6.mul(scale).intoArray(scores, t + 6 * L); a7.mul(scale).intoArray(scores, t + 7 * L);
        }
        for (; u < units; u++) {
            int k0 = keyIndex(u * L, ko, kvDim);
            FloatVector a = FloatVector.zero(F);
            for (int d = 0, e = 0; d < len; d++, e += KEY_BLOCK) a = FloatVector.broadcast(F, q[qo + d]).fma(FloatVector.fromArray(F, keys, k0 + e), a);
            a.mul(scale).intoArray(scores, u * L);
        }
    }

    /** {@code n} rounded up to a whole number of vectors. */
    public static int roundUpToVector(int n) { return Math.ceilDiv(n, L) * L; }

    /**
     * Softmax numerators in place: {@code scores[t] = e^(scores[t] - max)} for {@code t < count}, NaN entries (masked
     * slots) left NaN; returns the sum of the others, added in order of t. The exponentials are {@link #exp} over whole
     * vectors up to {@link #roundUpToVector}(count), so {@code scores} must be that long (entries past count are
     * overwritten). Every slot goes through the same elementwise function and the sum skips masked slots in order
     * whatever their positions, so a token's attention is the same in any batch, tree or prefix as alone. (Scalar
     * {@link Math#exp} was a quarter of SmolLM2's prefill.)
     */
    public static float softmaxNumerators(float[] scores, int count, float max) {
        for (int t = 0; t < count; t += L) exp(FloatVector.fromArray(F, scores, t).sub(max)).intoArray(scores, t);
        float sum = 0f;
        for (int t = 0; t < count; t++) if (!Float.isNaN(scores[t])) sum += scores[t];
        return sum;
    }

    /**
     * SwiGLU in place: {@code gate[i] = silu(gate[i]) * up[i]} for i in [start, end), silu(g) = g * sigmoid(g) with
     * sigmoid from e = {@link #exp}(-|g|): 1 / (1 + e) for g >= 0, e / (1 + e) below. Vectors where whole ones fit, the
     * same function one lane at a time after, so an element's value never depends on where a range starts or ends.
     */
    public static void siluTimes(float[] gate, float[] up, int start, int end) {
        int i = start;
        for (; i + L <= end; i += L) {
            siluTimes(FloatVector.fromArray(F, gate, i), FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < end; i++) gate[i] = siluTimes(FloatVector.broadcast(F, gate[i]), FloatVector.broadcast(F, up[i])).lane(0);
    }

    private static FloatVector siluTimes(FloatVector g, FloatVector up) {
        FloatVector e = exp(g.abs().neg());
        FloatVector numerator = e.blend(1f, g.compare(VectorOperators.GE, 0f));
        return g.mul(numerator).div(e.add(1f)).mul(up);
    }

    private static FloatVector c(float v) { return FloatVector.broadcast(F, v); }

    /**
     * e^x for x <= 0 lane by lane, within 2 ulps of {@link Math#exp} (NaN stays NaN, below -87.3 gives 0). Built only
     * from IEEE operations (fused multiply-adds, adds, bit moves), so it gives the same bits interpreted, compiled or in
     * any lane; with the Vector API's own EXP the batch-invariance tests failed in the last bit (its result depended on
     * where it ran, most likely compiled against fallback code). Method:
     * x = n ln 2 + r with |r| <= ln 2 / 2 (n by rounding with the 1.5 * 2^23 trick, ln 2 in two parts), e^r by a degree-7
     * polynomial (Cephes' expf coefficients), times 2^n put in the exponent field.
     */
    static FloatVector exp(FloatVector x) {
        final float round = 0x1.8p23f;
        FloatVector clamped = x.max(-87.3f); // NaN stays NaN
        FloatVector shifted = clamped.fma(c(1.44269504088896341f), c(round));
        FloatVector n = shifted.sub(round);
        FloatVector r = n.fma(c(-0.693359375f), clamped);
        r = n.fma(c(2.12194440e-4f), r);
        FloatVector p = r.fma(c(1.9875691500e-4f), c(1.3981999507e-3f));
        p = p.fma(r, c(8.3334519073e-3f));
        p = p.fma(r, c(4.1665795894e-2f));
        p = p.fma(r, c(1.6666665459e-1f));
        p = p.fma(r, c(5.0000001201e-1f));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector pow2 = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(round) - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(pow2.reinterpretAsFloats()).blend(0f, x.compare(VectorOperators.LT, -87.3f));
    }

    /**
     * Sum of the lanes by halving: {@code v + (v's upper half moved down)}, repeated, then lane 0. A fixed tree
     * of exact lane-wise operations, so interpreter and compiled code agree; {@code reduceLanes(ADD)} leaves the
     * order unspecified, and it does differ between them, which would break bit-exact batch invariance.
     */
    public static float sumLanes(FloatVector v) {
        if (L > 16) { // wider than any current hardware: plain lane order
            float s = 0f;
            for (int i = 0; i < L; i++) s += v.lane(i);
            return s;
        }
        if (L >= 16) v = v.add(v.rearrange(FOLD8));
        if (L >= 8) v = v.add(v.rearrange(FOLD4));
        if (L >= 4) v = v.add(v.rearrange(FOLD2));
        if (L >= 2) v = v.add(v.rearrange(FOLD1));
        return v.lane(0);
    }

    /** {@link #sumLanes(FloatVector)} of the L floats at {@code a[o..o+L)}, the same tree in scalar code. */
    static float sumLanes(float[] a, int o) {
        if (L > 16) {
            float s = 0f;
            for (int i = 0; i < L; i++) s += a[o + i];
            return s;
        }
        for (int h = L / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) a[o + i] += a[o + i + h];
        }
        return a[o];
    }

    /** Lane i takes lane i + h (upper lanes wrap around; only the low lanes are used afterwards). */
    private static VectorShuffle<Float> fold(int h) {
        return h >= 1 && h < L ? VectorShuffle.fromOp(F, i -> (i + h) % L) : null;
    }

    /**
     * {@code out[oo+c] = sum over t < count of (w[t] * scale) * rows[t*stride + off + c]} for c < len, skipping NaN
     * weights. Per element the order is fixed: in chunks of 4L elements of c, two running sums from +0, one over even t
     * and one over odd t, each adding its products in order of t with fused multiply-adds, then even + odd (eight chains
     * in registers: with one sum per element the loop waited on the FMA latency); in the remaining L-chunks one such sum
     * over all t; in the scalar tail a rounded product then a rounded add per t. So the result depends neither on the
     * batch nor on which thread computes it. Attention's weighted sum of the values.
     */
    public static void weightedSum(float[] w, int count, float scale, float[] rows, int off, int stride, float[] out, int oo, int len) {
        int c = 0;
        for (; c + 4 * L <= len; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int t = 0; t < count; t += 2) { // t even into a, t + 1 into b
                float wa = w[t], wb = t + 1 < count ? w[t + 1] : Float.NaN;
                int r = t * stride + off + c;
                if (!Float.isNaN(wa)) {
                    FloatVector va = FloatVector.broadcast(F, wa * scale);
                    a0 = FloatVector.fromArray(F, rows, r).fma(va, a0);
                    a1 = FloatVector.fromArray(F, rows, r + L).fma(va, a1);
                    a2 = FloatVector.fromArray(F, rows, r + 2 * L).fma(va, a2);
                    a3 = FloatVector.fromArray(F, rows, r + 3 * L).fma(va, a3);
                }
                if (!Float.isNaN(wb)) {
                    FloatVector vb = FloatVector.broadcast(F, wb * scale);
                    r += stride;
                    b0 = FloatVector.fromArray(F, rows, r).fma(vb, b0);
                    b1 = FloatVector.fromArray(F, rows, r + L).fma(vb, b1);
                    b2 = FloatVector.fromArray(F, rows, r + 2 * L).fma(vb, b2);
                    b3 = FloatVector.fromArray(F, rows, r + 3 * L).fma(vb, b3);
                }
            }
            a0.add(b0).intoArray(out, oo + c); a1.add(b1).intoArray(out, oo + c + L);
            a2.add(b2).intoArray(out, oo + c + 2 * L); a3.add(b3).intoArray(out, oo + c + 3 * L);
        }
        for (; c + L <= len; c += L) {
            FloatVector a = FloatVector.zero(F);
            for (int t = 0; t < count; t++) {
                float wt = w[t];
                if (!Float.isNaN(wt)) a = FloatVector.fromArray(F, rows, t * stride + off + c).fma(FloatVector.broadcast(F, wt * scale), a);
            }
            a.intoArray(out, oo + c);
        }
        for (; c < len; c++) {
            float sum = 0f;
            for (int t = 0; t < count; t++) {
                float wt = w[t];
                if (!Float.isNaN(wt)) sum += wt * scale * rows[t * stride + off + c];
            }
            out[oo + c] = sum;
        }
    }

    /** Sum of squares of {@code x[o..o+n)} in float, fixed order. */
    public static float sumSquares(float[] x, int o, int n) {
        return dot(x, o, x, o, n);
    }
}

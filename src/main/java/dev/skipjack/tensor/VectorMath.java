package dev.skipjack.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Float vector kernels with a summation order fixed by the length alone (never by batch or thread).
 *
 * <p>The order of {@link #dot} is the contract every matmul kernel reproduces bit for bit: vector chunk
 * {@code v} (elements {@code [vL, vL+L)}) of the first {@code 4*floor(V/4)} chunks is FMA'd into accumulator
 * {@code s[v % 4]}; then {@code s = (s0 + s1) + (s2 + s3)}; the remaining {@code V % 4} chunks are FMA'd into
 * {@code s} in turn; then {@link #sumLanes}; then the scalar tail adds {@code a[i] * b[i]} one by one.
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

    /** {@link #dot} of {@code a[ao..ao+n)} and the native floats at byte offset {@code xo} of {@code x}. */
    static float dot(float[] a, int ao, MemorySegment x, long xo, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            long o = xo + 4L * i;
            s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromMemorySegment(F, x, o, NATIVE), s0);
            s1 = FloatVector.fromArray(F, a, ao + i + L).fma(FloatVector.fromMemorySegment(F, x, o + 4 * L, NATIVE), s1);
            s2 = FloatVector.fromArray(F, a, ao + i + 2 * L).fma(FloatVector.fromMemorySegment(F, x, o + 8 * L, NATIVE), s2);
            s3 = FloatVector.fromArray(F, a, ao + i + 3 * L).fma(FloatVector.fromMemorySegment(F, x, o + 12 * L, NATIVE), s3);
        }
        FloatVector s = s0.add(s1).add(s2.add(s3));
        for (; i + L <= n; i += L) s = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromMemorySegment(F, x, xo + 4L * i, NATIVE), s);
        float sum = sumLanes(s);
        for (; i < n; i++) sum += a[ao + i] * x.get(Bytes.NATIVE_FLOAT, xo + 4L * i);
        return sum;
    }

    /**
     * Four dots sharing the row {@code a[ao..ao+n)}: {@code out[oo + k*os] = dot(a, x at xo + k*xs)} for k = 0..3, each
     * bit-identical to {@link #dot} (the same per-input order), with every loaded chunk of {@code a} feeding four FMAs.
     * {@code lanes}: scratch of at least 4L floats.
     */
    static void dot4(float[] a, int ao, MemorySegment x, long xo, long xs, int n, float[] out, int oo, int os, float[] lanes) {
        long x0 = xo, x1 = xo + xs, x2 = xo + 2 * xs, x3 = xo + 3 * xs;
        FloatVector z = FloatVector.zero(F);
        FloatVector p0 = z, p1 = z, p2 = z, p3 = z, q0 = z, q1 = z, q2 = z, q3 = z;
        FloatVector r0 = z, r1 = z, r2 = z, r3 = z, t0 = z, t1 = z, t2 = z, t3 = z;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            long o = 4L * i;
            FloatVector w = FloatVector.fromArray(F, a, ao + i);
            p0 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p0);
            q0 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q0);
            r0 = w.fma(FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE), r0);
            t0 = w.fma(FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE), t0);
            w = FloatVector.fromArray(F, a, ao + i + L);
            o += 4 * L;
            p1 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p1);
            q1 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q1);
            r1 = w.fma(FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE), r1);
            t1 = w.fma(FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE), t1);
            w = FloatVector.fromArray(F, a, ao + i + 2 * L);
            o += 4 * L;
            p2 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p2);
            q2 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q2);
            r2 = w.fma(FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE), r2);
            t2 = w.fma(FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE), t2);
            w = FloatVector.fromArray(F, a, ao + i + 3 * L);
            o += 4 * L;
            p3 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p3);
            q3 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q3);
            r3 = w.fma(FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE), r3);
            t3 = w.fma(FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE), t3);
        }
        FloatVector p = p0.add(p1).add(p2.add(p3)), q = q0.add(q1).add(q2.add(q3));
        FloatVector r = r0.add(r1).add(r2.add(r3)), t = t0.add(t1).add(t2.add(t3));
        for (; i + L <= n; i += L) {
            long o = 4L * i;
            FloatVector w = FloatVector.fromArray(F, a, ao + i);
            p = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p);
            q = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q);
            r = w.fma(FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE), r);
            t = w.fma(FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE), t);
        }
        // lane sums through memory: four more inlined trees would bloat this compilation past C2's inlining cutoff
        p.intoArray(lanes, 0);
        q.intoArray(lanes, L);
        r.intoArray(lanes, 2 * L);
        t.intoArray(lanes, 3 * L);
        float sp = sumLanes(lanes, 0), sq = sumLanes(lanes, L), sr = sumLanes(lanes, 2 * L), st = sumLanes(lanes, 3 * L);
        for (; i < n; i++) {
            float w = a[ao + i];
            long o = 4L * i;
            sp += w * x.get(Bytes.NATIVE_FLOAT, x0 + o);
            sq += w * x.get(Bytes.NATIVE_FLOAT, x1 + o);
            sr += w * x.get(Bytes.NATIVE_FLOAT, x2 + o);
            st += w * x.get(Bytes.NATIVE_FLOAT, x3 + o);
        }
        out[oo] = sp;
        out[oo + os] = sq;
        out[oo + 2 * os] = sr;
        out[oo + 3 * os] = st;
    }

    /** Two dots sharing the row, as {@link #dot4} for k = 0..1. */
    static void dot2(float[] a, int ao, MemorySegment x, long xo, long xs, int n, float[] out, int oo, int os, float[] lanes) {
        long x0 = xo, x1 = xo + xs;
        FloatVector z = FloatVector.zero(F);
        FloatVector p0 = z, p1 = z, p2 = z, p3 = z, q0 = z, q1 = z, q2 = z, q3 = z;
        int i = 0;
        for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
            long o = 4L * i;
            FloatVector w = FloatVector.fromArray(F, a, ao + i);
            p0 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p0);
            q0 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q0);
            w = FloatVector.fromArray(F, a, ao + i + L);
            o += 4 * L;
            p1 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p1);
            q1 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q1);
            w = FloatVector.fromArray(F, a, ao + i + 2 * L);
            o += 4 * L;
            p2 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p2);
            q2 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q2);
            w = FloatVector.fromArray(F, a, ao + i + 3 * L);
            o += 4 * L;
            p3 = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p3);
            q3 = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q3);
        }
        FloatVector p = p0.add(p1).add(p2.add(p3)), q = q0.add(q1).add(q2.add(q3));
        for (; i + L <= n; i += L) {
            long o = 4L * i;
            FloatVector w = FloatVector.fromArray(F, a, ao + i);
            p = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE), p);
            q = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE), q);
        }
        p.intoArray(lanes, 0);
        q.intoArray(lanes, L);
        float sp = sumLanes(lanes, 0), sq = sumLanes(lanes, L);
        for (; i < n; i++) {
            float w = a[ao + i];
            sp += w * x.get(Bytes.NATIVE_FLOAT, x0 + 4L * i);
            sq += w * x.get(Bytes.NATIVE_FLOAT, x1 + 4L * i);
        }
        out[oo] = sp;
        out[oo + os] = sq;
    }

    /**
     * The main part (the first {@code main = n - n % 4L} elements) of 16 dots at once: 4 rows of {@code a} (at
     * {@code ao + k*as}) times 4 inputs (at byte offsets {@code xo + t*xs} of {@code x}). Pass j accumulates chunks j,
     * j+4, j+8, ..., which is exactly accumulator {@code s_j} of {@link #dot} for each pair, so a pass needs only 16
     * accumulators and every loaded row chunk and input chunk feeds four FMAs (half a load per FMA). Chain j of
     * pair {@code p = 4k + t} goes to {@code acc[(16j + p)*L ..]}; {@link #finish4x4} completes the dots.
     */
    static void chains4x4(float[] a, int ao, int as, MemorySegment x, long xo, long xs, int main, float[] acc) {
        int a0 = ao, a1 = ao + as, a2 = ao + 2 * as, a3 = ao + 3 * as;
        long x0 = xo, x1 = xo + xs, x2 = xo + 2 * xs, x3 = xo + 3 * xs;
        for (int j = 0; j < 4; j++) {
            FloatVector z = FloatVector.zero(F);
            FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
            FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
            for (int i = j * L; i < main; i += 4 * L) {
                long o = 4L * i;
                FloatVector w0 = FloatVector.fromArray(F, a, a0 + i), w1 = FloatVector.fromArray(F, a, a1 + i);
                FloatVector w2 = FloatVector.fromArray(F, a, a2 + i), w3 = FloatVector.fromArray(F, a, a3 + i);
                FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + o, NATIVE);
                c00 = w0.fma(v, c00); c10 = w1.fma(v, c10); c20 = w2.fma(v, c20); c30 = w3.fma(v, c30);
                v = FloatVector.fromMemorySegment(F, x, x1 + o, NATIVE);
                c01 = w0.fma(v, c01); c11 = w1.fma(v, c11); c21 = w2.fma(v, c21); c31 = w3.fma(v, c31);
                v = FloatVector.fromMemorySegment(F, x, x2 + o, NATIVE);
                c02 = w0.fma(v, c02); c12 = w1.fma(v, c12); c22 = w2.fma(v, c22); c32 = w3.fma(v, c32);
                v = FloatVector.fromMemorySegment(F, x, x3 + o, NATIVE);
                c03 = w0.fma(v, c03); c13 = w1.fma(v, c13); c23 = w2.fma(v, c23); c33 = w3.fma(v, c33);
            }
            int b = j * 16 * L; // chain j of pair p at acc[(16j + p) * L]
            c00.intoArray(acc, b); c01.intoArray(acc, b + L); c02.intoArray(acc, b + 2 * L); c03.intoArray(acc, b + 3 * L);
            c10.intoArray(acc, b + 4 * L); c11.intoArray(acc, b + 5 * L); c12.intoArray(acc, b + 6 * L); c13.intoArray(acc, b + 7 * L);
            c20.intoArray(acc, b + 8 * L); c21.intoArray(acc, b + 9 * L); c22.intoArray(acc, b + 10 * L); c23.intoArray(acc, b + 11 * L);
            c30.intoArray(acc, b + 12 * L); c31.intoArray(acc, b + 13 * L); c32.intoArray(acc, b + 14 * L); c33.intoArray(acc, b + 15 * L);
        }
    }

    /**
     * Completes the 16 dots of {@link #chains4x4} as {@link #dot} does: {@code s = (s0 + s1) + (s2 + s3)}, the
     * remaining chunks, the lane sum, the scalar tail. Row k, input t goes to {@code out[oo + t*os + k]}. {@code acc}: at least 65L floats.
     */
    static void finish4x4(float[] acc, float[] a, int ao, int as, MemorySegment x, long xo, long xs, int n,
                          float[] out, int oo, int os) {
        int main = n - n % (4 * L);
        for (int p = 0; p < 16; p++) { // s = (s0 + s1) + (s2 + s3), into acc[p*L ..]
            FloatVector.fromArray(F, acc, p * L).add(FloatVector.fromArray(F, acc, (16 + p) * L))
                    .add(FloatVector.fromArray(F, acc, (32 + p) * L).add(FloatVector.fromArray(F, acc, (48 + p) * L)))
                    .intoArray(acc, p * L);
        }
        if (main == n && L == 16) { // the usual case: 16 lane sums at once
            sumLanes16(acc);
            for (int p = 0; p < 16; p++) out[oo + (p & 3) * os + (p >>> 2)] = acc[p];
            return;
        }
        for (int p = 0; p < 16; p++) {
            int ak = ao + (p >>> 2) * as;
            long xt = xo + (p & 3) * xs;
            FloatVector s = FloatVector.fromArray(F, acc, p * L);
            int i = main;
            for (; i + L <= n; i += L) s = FloatVector.fromArray(F, a, ak + i).fma(FloatVector.fromMemorySegment(F, x, xt + 4L * i, NATIVE), s);
            s.intoArray(acc, 64 * L);
            float sum = sumLanes(acc, 64 * L);
            for (; i < n; i++) sum += a[ak + i] * x.get(Bytes.NATIVE_FLOAT, xt + 4L * i);
            out[oo + (p & 3) * os + (p >>> 2)] = sum;
        }
    }

    /**
     * Lane sums for the fused small-batch kernels: {@code acc[(4g + t)*L ..]} holds the final vector of row
     * {@code r + g} and input t ({@code g < rowCount <= 4}); each goes to {@code out[oo + t*os + r + g]} for t < nt.
     */
    static void finishRows4(float[] acc, int rowCount, int nt, float[] out, int oo, int os, int r) {
        if (L == 16 && rowCount == 4) {
            sumLanes16(acc);
            for (int p = 0; p < 16; p++) if ((p & 3) < nt) out[oo + (p & 3) * os + r + (p >>> 2)] = acc[p];
            return;
        }
        for (int p = 0; p < 4 * rowCount; p++) if ((p & 3) < nt) out[oo + (p & 3) * os + r + (p >>> 2)] = sumLanes(acc, p * L);
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
     * {@link #sumLanes(FloatVector)} of the 16 vectors at {@code acc[p*16 ..]}, p = 0..15, all at once (L = 16): each
     * level adds the halves of two vectors' partial sums into one vector (the same additions as the tree, done
     * across vectors), so 16 sums cost 15 adds and 30 lane selections. Results land in {@code acc[0..16)}.
     */
    static void sumLanes16(float[] acc) {
        int in = 0, out = 256; // levels alternate between acc[0..256) and acc[256..384)
        for (int h = 8; h >= 1; h /= 2) { // h outputs per level: pairs (2q, 2q+1) of the level's inputs
            FloatVector lo = LO[h], hi = HI[h];
            for (int q = 0; q < h; q++) {
                FloatVector u = FloatVector.fromArray(F, acc, in + 32 * q), v = FloatVector.fromArray(F, acc, in + 32 * q + 16);
                lo.selectFrom(u, v).add(hi.selectFrom(u, v)).intoArray(acc, out + 16 * q);
            }
            in = out;
            out = out == 256 ? 0 : 256;
        }
    }

    /** L activations at byte offset {@code off} of an activation copy. */
    static FloatVector act(MemorySegment x, long off) {
        return FloatVector.fromMemorySegment(F, x, off, NATIVE);
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

    /** {@code y[yo..yo+n) += a * x[xo..xo+n)} */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(F, a);
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(va, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /** Sum of squares of {@code x[o..o+n)} in float, fixed order. */
    public static float sumSquares(float[] x, int o, int n) {
        return dot(x, o, x, o, n);
    }
}

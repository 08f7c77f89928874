package dev.skipjack.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Float vector kernels with a summation order fixed by the length alone (never by batch or thread). */
public final class VectorMath {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private VectorMath() {}

    /** Dot product of {@code a[ao..ao+n)} and {@code b[bo..bo+n)}. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float tail = 0f;
        if (n >= 4 * L) {
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
            int bound = n - n % (4 * L);
            for (; i < bound; i += 4 * L) {
                s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s0);
                s1 = FloatVector.fromArray(F, a, ao + i + L).fma(FloatVector.fromArray(F, b, bo + i + L), s1);
                s2 = FloatVector.fromArray(F, a, ao + i + 2 * L).fma(FloatVector.fromArray(F, b, bo + i + 2 * L), s2);
                s3 = FloatVector.fromArray(F, a, ao + i + 3 * L).fma(FloatVector.fromArray(F, b, bo + i + 3 * L), s3);
            }
            FloatVector s = s0.add(s1).add(s2.add(s3));
            for (; i + L <= n; i += L) s = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s);
            tail = sumLanes(s);
        } else {
            FloatVector s = FloatVector.zero(F);
            for (; i + L <= n; i += L) s = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s);
            tail = sumLanes(s);
        }
        for (; i < n; i++) tail += a[ao + i] * b[bo + i];
        return tail;
    }

    /**
     * Sum of the lanes in lane order. {@code reduceLanes(ADD)} leaves the order unspecified, and it does differ
     * between interpreted and JIT-compiled code, which would break bit-exact batch invariance.
     */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) s += v.lane(i);
        return s;
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

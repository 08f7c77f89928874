package dev.skipjack.tensor;

/**
 * Per-thread scratch rows for the matmul kernels, grown on demand and reused (no per-token allocation).
 * Per thread rather than per pool worker index, so pools used from several threads at once never share one.
 */
final class Scratch {
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][]);
    private static final ThreadLocal<float[][]> ACC = ThreadLocal.withInitial(() -> new float[1][]);
    private static final ThreadLocal<float[][]> FULL = ThreadLocal.withInitial(() -> new float[1][]);
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[32]);

    private Scratch() {}

    /** The matmul's decoded-weights scratch: at least {@code size} floats. */
    static float[] row(int size) { return grow(ROW, size); }

    /** The matmul's accumulators and lane-sum scratch: at least {@code size} floats. */
    static float[] acc(int size) { return grow(ACC, size); }

    /** A whole scalar-decoded row (the decoder of machines without vector kernels): at least {@code size} floats. */
    static float[] fullRow(int size) { return grow(FULL, size); }

    /** Sixteen scale products of a K-quant super-block ({@link KQuants#scales}, and Q6_K's). */
    static float[] scales() { return SCALES.get(); }

    private static float[] grow(ThreadLocal<float[][]> local, int size) {
        float[][] holder = local.get();
        float[] r = holder[0];
        if (r == null || r.length < size) holder[0] = r = new float[Math.max(size, 4096)];
        return r;
    }
}

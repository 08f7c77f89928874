package dev.skipjack.tensor;

/**
 * Per-thread scratch rows for the matmul kernels, grown on demand and reused (no per-token allocation).
 * Per thread rather than per pool worker index, so pools used from several threads at once never share one.
 */
final class Scratch {
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][]);
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[65 * VectorMath.L]);

    private Scratch() {}

    static float[] row(int size) {
        float[][] holder = ROW.get();
        float[] r = holder[0];
        if (r == null || r.length < size) holder[0] = r = new float[Math.max(size, 4096)];
        return r;
    }

    /** 65L floats: the 64 accumulator chains of a 4x4 tile plus room for a lane sum (also lane sums of dot4). */
    static float[] acc() { return ACC.get(); }
}

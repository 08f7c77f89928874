package dev.skipjack.tensor;

/** Per-worker scratch rows for the matmul kernels, grown on demand and reused (no per-token allocation). */
final class Scratch {
    private static final float[][] ROWS = new float[256][];

    private Scratch() {}

    static float[] row(int worker, int size) {
        float[] r = ROWS[worker];
        if (r == null || r.length < size) {
            synchronized (ROWS) {
                r = ROWS[worker];
                if (r == null || r.length < size) ROWS[worker] = r = new float[Math.max(size, 4096)];
            }
        }
        return r;
    }
}

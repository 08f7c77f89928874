package dev.skipjack.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Turns logits into the final processed distribution and draws from it. The full probability vector is exposed
 * ({@link #distribution}) because exact speculative sampling compares target and draft distributions that were
 * processed identically. Seeded: the same seed and the same logits give the same tokens.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private long[] keys = new long[0];
    private double[] top = new double[0], tempered = new double[0]; // reused: no allocation per token

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() { return params; }

    /** Uniform draw in [0, 1) from this sampler's seeded stream. */
    public double nextUniform() { return random.nextDouble(); }

    /** Index of the largest value (lowest index among equals). */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        float bv = logits[off];
        for (int i = 1; i < n; i++) if (logits[off + i] > bv) { bv = logits[off + i]; best = i; }
        return best;
    }

    /**
     * Writes into {@code probs[0..n)} the distribution the next token is drawn from: one-hot at the argmax when
     * greedy, otherwise softmax(logits / T) restricted to the tokens surviving top-k, top-p and min-p, renormalised.
     */
    public void distribution(float[] logits, int off, int n, float[] probs) {
        Arrays.fill(probs, 0, n, 0f);
        if (params.isGreedy()) {
            probs[argmax(logits, off, n)] = 1f;
            return;
        }
        // candidates sorted by logit, descending: pack (orderable logit bits, index) into longs
        int k = params.topK() > 0 ? Math.min(params.topK(), n) : n;
        if (keys.length < n) keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = ((long) orderable(logits[off + i]) << 32) | (0xFFFFFFFFL & ~i);
        Arrays.sort(keys, 0, n);
        int count = k;
        // softmax over the top-k at temperature 1 for top-p / min-p, as llama.cpp does
        double max = logits[off + index(keys[n - 1])];
        if (top.length < count) { top = new double[count]; tempered = new double[count]; }
        double[] p = top;
        double sum = 0;
        for (int r = 0; r < count; r++) {
            p[r] = Math.exp(logits[off + index(keys[n - 1 - r])] - max);
            sum += p[r];
        }
        if (params.topP() < 1f) {
            double cum = 0;
            int keep = count;
            for (int r = 0; r < count; r++) {
                cum += p[r] / sum;
                if (cum >= params.topP()) { keep = r + 1; break; }
            }
            count = keep;
        }
        if (params.minP() > 0f) {
            double threshold = p[0] * params.minP();
            int keep = 1;
            while (keep < count && p[keep] >= threshold) keep++;
            count = keep;
        }
        double t = params.temperature();
        double total = 0;
        double[] q = tempered;
        for (int r = 0; r < count; r++) {
            q[r] = Math.exp((logits[off + index(keys[n - 1 - r])] - max) / t);
            total += q[r];
        }
        for (int r = 0; r < count; r++) probs[index(keys[n - 1 - r])] = (float) (q[r] / total);
    }

    /** Draws a token from a probability vector (inverse CDF in index order). */
    public int sample(float[] probs, int n) {
        double u = random.nextDouble();
        double cum = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (probs[i] <= 0f) continue;
            cum += probs[i];
            last = i;
            if (u < cum) return i;
        }
        return last; // rounding: u beyond the accumulated mass
    }

    /** Convenience: process logits and draw (argmax when greedy, without touching the random stream). */
    public int next(float[] logits, int off, int n, float[] scratch) {
        if (params.isGreedy()) return argmax(logits, off, n);
        distribution(logits, off, n, scratch);
        return sample(scratch, n);
    }

    private static int orderable(float f) {
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ 0x7FFFFFFF;
    }

    /** Lower index wins ties: the index is stored complemented so larger key = smaller index. */
    private static int index(long key) { return ~(int) key; }
}

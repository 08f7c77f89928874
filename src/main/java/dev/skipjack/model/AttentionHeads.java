package dev.skipjack.model;

import dev.skipjack.tensor.Parallel;
import dev.skipjack.tensor.VectorMath;

/**
 * Scaled dot-product attention of a batch's new tokens over the cached and new keys, one job per (token, query head):
 * the body of the parallel loop, one reusable instance per {@link Session} so that a pass allocates nothing (a capturing
 * lambda would allocate on every layer).
 */
final class AttentionHeads implements Parallel.RangeBody {
    private final Session s;
    private final int heads, qDim, kvDim, hd, groups;
    private final float scale;
    // the current layer and batch, set before each loop
    private float[] keys, values;
    private boolean[] mask;
    private int base, n, prefix;

    AttentionHeads(Session s, ModelConfig c) {
        this.s = s;
        this.heads = c.heads();
        this.qDim = c.qDim();
        this.kvDim = c.kvDim();
        this.hd = c.headDim();
        this.groups = c.heads() / c.kvHeads();
        this.scale = (float) (1.0 / Math.sqrt(hd));
    }

    /**
     * The layer's cache rows, the batch's mask (null: causal), its first new slot {@code base}, size {@code n}, and how
     * many cached slots it may see ({@code prefix <= base}).
     */
    void set(float[] keys, float[] values, boolean[] mask, int base, int n, int prefix) {
        this.keys = keys;
        this.values = values;
        this.mask = mask;
        this.base = base;
        this.n = n;
        this.prefix = prefix;
    }

    @Override public void run(int worker, int start, int end) {
        float[] scores = s.scores(worker);
        for (int job = start; job < end; job++) {
            int i = job / heads, h = job % heads;
            int qo = i * qDim + h * hd, ko = (h / groups) * hd;
            // slots visible to new token i: the cached prefix (all of it, or the first visiblePrefix slots),
            // then new tokens j allowed by the mask
            int visible = base + i + 1;
            VectorMath.keyScores(s.q, qo, keys, ko, kvDim, hd, visible, scale, scores);
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < visible; t++) {
                if (t < base ? t >= prefix : !allowed(i, t - base)) scores[t] = Float.NaN;
                else if (scores[t] > max) max = scores[t];
            }
            float sum = VectorMath.softmaxNumerators(scores, visible, max);
            VectorMath.weightedSum(scores, visible, 1f / sum, values, ko, kvDim, s.att, i * qDim + h * hd, hd);
        }
    }

    /** Tree masks may let new token i see only some earlier new tokens; later ones are never visible. */
    private boolean allowed(int i, int j) {
        if (j > i) return false;
        return mask == null || mask[i * n + j];
    }
}

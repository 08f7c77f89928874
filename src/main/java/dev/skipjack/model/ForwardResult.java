package dev.skipjack.model;

/**
 * Output of a forward pass for the batch's output rows. The arrays belong to the {@link Session} and are
 * overwritten by its next forward pass: copy what must outlive it.
 */
public final class ForwardResult {
    final int vocab;
    final int dim;
    int rows;
    float[] logits = new float[0];  // [rows x vocab]
    float[] hidden = new float[0];  // [rows x dim]

    ForwardResult(int vocab, int dim) {
        this.vocab = vocab;
        this.dim = dim;
    }

    public int rows() { return rows; }
    public int vocabSize() { return vocab; }
    public float[] logitsArray() { return logits; }
    public float[] hiddenArray() { return hidden; }

    /** Copy of the logits of output row {@code i}. */
    public float[] logits(int i) {
        float[] r = new float[vocab];
        System.arraycopy(logits, i * vocab, r, 0, vocab);
        return r;
    }

    /** Copy of the final hidden state of output row {@code i}. */
    public float[] hidden(int i) {
        float[] r = new float[dim];
        System.arraycopy(hidden, i * dim, r, 0, dim);
        return r;
    }

    /** Index of the largest logit of output row {@code i} (lowest index on ties). */
    public int argmax(int i) {
        int best = 0, o = i * vocab;
        float bv = logits[o];
        for (int v = 1; v < vocab; v++) if (logits[o + v] > bv) { bv = logits[o + v]; best = v; }
        return best;
    }
}

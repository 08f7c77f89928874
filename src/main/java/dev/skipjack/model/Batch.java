package dev.skipjack.model;

import java.util.Arrays;

/**
 * One forward pass: {@code n} new tokens at the given positions, appended to the cache after its current length.
 *
 * @param tokens     token ids of the new tokens
 * @param positions  RoPE position of each new token (prefix length + depth for tree nodes)
 * @param mask       null for causal attention among the new tokens, else an {@code n x n} row-major matrix:
 *                   {@code mask[i*n+j]} says whether new token i attends to new token j (every token always
 *                   attends to the whole cached prefix); used for draft trees
 * @param skip       sublayers replaced by the identity, or null for the full model
 * @param outputRows which new tokens to compute logits/hidden states for (indices into tokens), ascending
 * @param logits     compute logits for the output rows
 * @param hidden     also return the final hidden state (input of the LM head) of the output rows
 * @param visiblePrefix how many cached slots the new tokens attend to: -1 for the whole cache; less re-reads recent
 *                   tokens as if the cache ended there (scoring a draft on tokens already decided)
 */
public record Batch(int[] tokens, int[] positions, boolean[] mask, SkipSet skip, int[] outputRows,
                    boolean logits, boolean hidden, int visiblePrefix) {

    public Batch(int[] tokens, int[] positions, boolean[] mask, SkipSet skip, int[] outputRows, boolean logits, boolean hidden) {
        this(tokens, positions, mask, skip, outputRows, logits, hidden, -1);
    }

    public Batch {
        if (tokens.length == 0) throw new IllegalArgumentException("empty batch");
        if (positions.length != tokens.length) throw new IllegalArgumentException("positions and tokens differ in length");
        if (mask != null && mask.length != tokens.length * tokens.length) throw new IllegalArgumentException("mask must be n*n");
        for (int r : outputRows) if (r < 0 || r >= tokens.length) throw new IllegalArgumentException("output row " + r + " out of range");
    }

    public int size() { return tokens.length; }

    /** Consecutive tokens from {@code startPos}, causal, logits for every token. */
    public static Batch causal(int[] tokens, int startPos) {
        return new Batch(tokens, range(startPos, tokens.length), null, null, range(0, tokens.length), true, false);
    }

    /** Consecutive tokens from {@code startPos}, causal, logits only for the last token (prefill). */
    public static Batch lastOnly(int[] tokens, int startPos) {
        return new Batch(tokens, range(startPos, tokens.length), null, null, new int[]{tokens.length - 1}, true, false);
    }

    public Batch withSkip(SkipSet s) { return new Batch(tokens, positions, mask, s, outputRows, logits, hidden, visiblePrefix); }
    public Batch withHidden(boolean h) { return new Batch(tokens, positions, mask, skip, outputRows, logits, h, visiblePrefix); }
    public Batch withOutputRows(int[] rows) { return new Batch(tokens, positions, mask, skip, rows, logits, hidden, visiblePrefix); }
    public Batch withVisiblePrefix(int p) { return new Batch(tokens, positions, mask, skip, outputRows, logits, hidden, p); }

    public static int[] range(int start, int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> start + i);
        return r;
    }
}

package dev.skipjack.draft;

/**
 * Tokens a drafter proposes after the last emitted token, with the draft distribution each was drawn from
 * (needed for exact speculative sampling; unused when greedy).
 *
 * @param tokens drafted tokens, in order
 * @param q      {@code q[i]} is the processed draft distribution token i was drawn from (null when greedy)
 * @param hitMax drafting stopped because it reached the maximum length (not because confidence fell)
 */
public record Draft(int[] tokens, float[][] q, boolean hitMax) {
    public int size() { return tokens.length; }

    public static Draft empty() { return new Draft(new int[0], null, false); }
}

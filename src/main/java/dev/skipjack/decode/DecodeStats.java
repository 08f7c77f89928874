package dev.skipjack.decode;

import java.util.Arrays;

/**
 * Counters of one generation. Plain decoding does one target forward per token (prefill included); speculative
 * decoders fill the draft counters too.
 */
public final class DecodeStats {
    public int targetForwards;
    public int drafted;
    public int accepted;
    public double draftSeconds;
    public double verifySeconds;
    /** {@code draftedAt[i]}: rounds that drafted a token at position i; {@code acceptedAt[i]}: rounds that accepted it. */
    private long[] draftedAt = new long[0], acceptedAt = new long[0];

    /** Tokens emitted per target forward pass. */
    public double tau(int emitted) { return targetForwards > 0 ? (double) emitted / targetForwards : 0; }

    public double acceptanceRate() { return drafted > 0 ? (double) accepted / drafted : 0; }

    /** Records one verification round: {@code accepted} of {@code drafted} tokens kept. */
    public void acceptedAt(int accepted, int drafted) {
        if (drafted > draftedAt.length) {
            draftedAt = Arrays.copyOf(draftedAt, drafted);
            acceptedAt = Arrays.copyOf(acceptedAt, drafted);
        }
        for (int i = 0; i < drafted; i++) {
            draftedAt[i]++;
            if (i < accepted) acceptedAt[i]++;
        }
    }

    /** Acceptance rate at each draft position (position i accepted given it was drafted). */
    public double[] acceptanceByPosition() {
        double[] r = new double[draftedAt.length];
        for (int i = 0; i < r.length; i++) r[i] = draftedAt[i] > 0 ? (double) acceptedAt[i] / draftedAt[i] : 0;
        return r;
    }

    public long[] draftedByPosition() { return draftedAt.clone(); }
    public long[] acceptedByPosition() { return acceptedAt.clone(); }
}

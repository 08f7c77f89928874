package dev.skipjack.decode;

/**
 * Counters of one generation. For plain decoding every target forward emits one token; speculative decoders
 * fill the draft counters too.
 */
public final class DecodeStats {
    public int targetForwards;
    public int drafted;
    public int accepted;
    public double draftSeconds;
    public double verifySeconds;

    /** Tokens emitted per target forward pass. */
    public double tau(int emitted) { return targetForwards > 0 ? (double) emitted / targetForwards : 0; }

    public double acceptanceRate() { return drafted > 0 ? (double) accepted / drafted : 0; }
}

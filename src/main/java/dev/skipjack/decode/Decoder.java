package dev.skipjack.decode;

import dev.skipjack.model.Session;

/** A decoding strategy: plain autoregressive, or speculative with some drafter. */
public interface Decoder {
    /**
     * Continues {@code prompt} in a fresh session (its cache must be empty), streaming tokens to the listener.
     * The prompt plus generation is bounded by the session's context size.
     */
    GenerationResult generate(Session session, int[] prompt, GenerationParams params, TokenListener listener);
}

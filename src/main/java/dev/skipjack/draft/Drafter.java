package dev.skipjack.draft;

import dev.skipjack.model.Session;
import dev.skipjack.sampling.Sampler;

/** Proposes draft tokens for the target model to verify. Each drafting method is one implementation. */
public interface Drafter {
    /**
     * Drafts at most {@code maxTokens} tokens continuing the committed sequence whose last token {@code lastToken}
     * is not yet in the session's cache (it will be at position {@code session.cache().length()}). The cache must be
     * left exactly as found. When sampling, draws come from {@code sampler} and each token's draft distribution is
     * returned, processed by the same sampler settings as the target's.
     */
    Draft propose(Session session, int lastToken, int maxTokens, Sampler sampler);

    /** Feedback after verification: how many of the drafted tokens the target accepted. */
    default void observe(Draft draft, int accepted) { }

    /** A short name for reports ("self", ...). */
    String name();
}

package dev.skipjack.draft;

import dev.skipjack.model.Batch;
import dev.skipjack.model.ForwardResult;
import dev.skipjack.model.Session;
import dev.skipjack.model.SkipSet;
import dev.skipjack.sampling.Sampler;

/**
 * Draft & Verify: the model drafts with some of its own attention/MLP sublayers skipped, reading the full model's
 * KV cache for the prefix. Drafting stops when the draft's confidence (top-1 probability when greedy, the drawn
 * token's probability when sampling) falls below the adaptive threshold, or at the maximum draft length.
 */
public final class SelfSpeculativeDrafter implements Drafter {
    private final SkipSet skip;
    private final AdaptiveDraftExit exit;
    /** Draft distributions, reused from round to round: a draft's q is read by verification before the next draft. */
    private float[][] distributions = new float[0][];

    public SelfSpeculativeDrafter(SkipSet skip, AdaptiveDraftExit exit) {
        this.skip = skip;
        this.exit = exit;
    }

    public SkipSet skipSet() { return skip; }
    public AdaptiveDraftExit exit() { return exit; }

    @Override public String name() { return "self"; }

    @Override
    public Draft propose(Session session, int lastToken, int maxTokens, Sampler sampler) {
        int limit = Math.min(maxTokens, exit.settings().maxDraft());
        if (limit <= 0) return Draft.empty();
        int vocab = session.model().config().vocabSize();
        if (!sampler.params().isGreedy() && (distributions.length < limit || distributions[0].length < vocab)) {
            distributions = new float[Math.max(limit, distributions.length)][vocab];
        }
        boolean greedy = sampler.params().isGreedy();
        int base = session.cache().length();
        int[] tokens = new int[limit];
        float[][] q = greedy ? null : new float[limit][];
        int count = 0;
        int token = lastToken;
        boolean hitMax = true;
        while (count < limit) {
            ForwardResult r = session.forward(new Batch(new int[]{token}, new int[]{base + count}, null, skip,
                    new int[]{0}, true, false));
            float[] logits = r.logitsArray();
            double confidence;
            if (greedy) {
                token = Sampler.argmax(logits, 0, vocab);
                confidence = topProbability(logits, vocab, token);
            } else {
                float[] dist = distributions[count];
                sampler.distribution(logits, 0, vocab, dist);
                token = sampler.sample(dist, vocab);
                q[count] = dist;
                confidence = dist[token];
            }
            tokens[count++] = token;
            if (!exit.keepDrafting(confidence)) { hitMax = false; break; }
        }
        session.cache().truncate(base);
        if (count < limit) {
            tokens = java.util.Arrays.copyOf(tokens, count);
            if (q != null) q = java.util.Arrays.copyOf(q, count);
        }
        return new Draft(tokens, q, hitMax && count == exit.settings().maxDraft());
    }

    @Override
    public void observe(Draft draft, int accepted) {
        exit.update(accepted, draft.size(), draft.hitMax());
    }

    /** Softmax probability of {@code token} at temperature 1. */
    private static double topProbability(float[] logits, int vocab, int token) {
        float max = logits[token];
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[i] - max);
        return 1.0 / sum;
    }
}

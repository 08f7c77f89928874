package dev.skipjack.verify;

import dev.skipjack.draft.Draft;
import dev.skipjack.sampling.Sampler;

/**
 * Verifies a chain of draft tokens against the target's logits from one forward pass over
 * {@code [last, d_1 .. d_k]} (row i holds the target's prediction for the token after row i's input).
 * <ul>
 * <li>Greedy: accept the longest prefix with {@code d_i == argmax(row i-1)}, then emit the target's own argmax.</li>
 * <li>Sampling: accept {@code d_i} with probability {@code min(1, p(d_i)/q(d_i))}; on the first rejection draw from
 *     {@code norm(max(0, p - q))}; if all are accepted draw the bonus token from p. This gives exactly the target's
 *     distribution (Leviathan et al. / Chen et al.).</li>
 * </ul>
 */
public final class ChainVerifier {
    /** How many drafts were accepted, and the token the target adds after them. */
    public record Outcome(int accepted, int next) {}

    private float[] p = new float[0];

    public Outcome verify(float[] logits, int vocab, Draft draft, Sampler sampler) {
        int k = draft.size();
        if (sampler.params().isGreedy()) {
            int i = 0;
            while (i < k && draft.tokens()[i] == Sampler.argmax(logits, i * vocab, vocab)) i++;
            return new Outcome(i, Sampler.argmax(logits, i * vocab, vocab));
        }
        if (p.length < vocab) p = new float[vocab];
        for (int i = 0; i < k; i++) {
            sampler.distribution(logits, i * vocab, vocab, p);
            int d = draft.tokens()[i];
            float[] q = draft.q()[i];
            double u = sampler.nextUniform();
            if (u * q[d] < p[d]) continue; // accepted with probability min(1, p/q)
            return new Outcome(i, sampleResidual(p, q, vocab, sampler));
        }
        sampler.distribution(logits, k * vocab, vocab, p);
        return new Outcome(k, sampler.sample(p, vocab));
    }

    /** Draws from norm(max(0, p - q)); p is overwritten. */
    static int sampleResidual(float[] p, float[] q, int vocab, Sampler sampler) {
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            float r = p[v] - q[v];
            p[v] = r > 0 ? r : 0f;
            sum += p[v];
        }
        if (sum <= 0) throw new IllegalStateException("empty residual distribution: rejection is impossible when p == q");
        double u = sampler.nextUniform() * sum, cum = 0;
        int last = -1;
        for (int v = 0; v < vocab; v++) {
            if (p[v] <= 0) continue;
            cum += p[v];
            last = v;
            if (u < cum) return v;
        }
        return last;
    }
}

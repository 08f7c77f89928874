package dev.skipjack.decode;

import dev.skipjack.draft.Draft;
import dev.skipjack.draft.Drafter;
import dev.skipjack.model.Batch;
import dev.skipjack.model.ForwardResult;
import dev.skipjack.model.Session;
import dev.skipjack.sampling.Sampler;
import dev.skipjack.tokenizer.Tokenizer;
import dev.skipjack.verify.ChainVerifier;

/**
 * Lossless speculative decoding: a {@link Drafter} proposes tokens, the full model scores all of them in one
 * forward pass, the {@link ChainVerifier} keeps what the target agrees with plus one token of its own, and the KV
 * cache is rolled back to the accepted prefix. Every round emits at least one token.
 */
public final class SpeculativeDecoder implements Decoder {
    private final Tokenizer tokenizer;
    private final Drafter drafter;

    public SpeculativeDecoder(Tokenizer tokenizer, Drafter drafter) {
        this.tokenizer = tokenizer;
        this.drafter = drafter;
    }

    public Drafter drafter() { return drafter; }

    @Override
    public GenerationResult generate(Session session, int[] prompt, GenerationParams params, TokenListener listener) {
        Prompts.check(session, prompt);
        int vocab = session.model().config().vocabSize();
        Sampler sampler = new Sampler(params.sampling());
        ChainVerifier verifier = new ChainVerifier();
        Emitter out = new Emitter(tokenizer, params, listener);
        DecodeStats stats = new DecodeStats();
        float[] probs = new float[vocab];
        long t0 = System.nanoTime();
        ForwardResult r = session.forward(Batch.lastOnly(prompt, 0));
        stats.targetForwards++;
        long t1 = System.nanoTime();
        int last = sampler.next(r.logitsArray(), 0, vocab, probs);
        if (!out.emit(last)) return out.result(prompt.length, (t1 - t0) / 1e9, 0, stats);
        while (true) {
            int base = session.cache().length();
            int room = session.contextSize() - base - 1; // the verify pass holds last + drafts
            if (room < 0) { out.contextFull(); break; }
            int budget = Math.min(room, params.maxTokens() - out.count() - 1); // the bonus token is free
            long d0 = System.nanoTime();
            Draft draft = budget > 0 ? drafter.propose(session, last, budget, sampler) : Draft.empty();
            long d1 = System.nanoTime();
            int k = draft.size();
            int[] tokens = new int[k + 1];
            tokens[0] = last;
            System.arraycopy(draft.tokens(), 0, tokens, 1, k);
            ForwardResult v = session.forward(Batch.causal(tokens, base));
            stats.targetForwards++;
            ChainVerifier.Outcome o = verifier.verify(v.logitsArray(), vocab, draft, sampler);
            long d2 = System.nanoTime();
            stats.draftSeconds += (d1 - d0) / 1e9;
            stats.verifySeconds += (d2 - d1) / 1e9;
            stats.drafted += k;
            stats.accepted += o.accepted();
            stats.acceptedAt(o.accepted(), k);
            if (k > 0) drafter.observe(draft, o.accepted());
            session.cache().truncate(base + 1 + o.accepted()); // last + accepted drafts; the new token is not cached yet
            boolean going = true;
            for (int i = 0; i < o.accepted() && going; i++) going = out.emit(draft.tokens()[i]);
            if (!going || !out.emit(o.next())) break;
            last = o.next();
        }
        long t2 = System.nanoTime();
        return out.result(prompt.length, (t1 - t0) / 1e9, (t2 - t1) / 1e9, stats);
    }
}

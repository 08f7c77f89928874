package dev.skipjack.decode;

import dev.skipjack.model.Batch;
import dev.skipjack.model.ForwardResult;
import dev.skipjack.model.Session;
import dev.skipjack.sampling.Sampler;
import dev.skipjack.tokenizer.Tokenizer;

/** Plain decoding: one full forward pass per generated token. The baseline every speedup is measured against. */
public final class AutoregressiveDecoder implements Decoder {
    private final Tokenizer tokenizer;

    public AutoregressiveDecoder(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    @Override
    public GenerationResult generate(Session session, int[] prompt, GenerationParams params, TokenListener listener) {
        Prompts.check(session, prompt);
        int vocab = session.model().config().vocabSize();
        Sampler sampler = new Sampler(params.sampling());
        float[] probs = new float[vocab];
        Emitter out = new Emitter(tokenizer, params, listener);
        DecodeStats stats = new DecodeStats();
        long t0 = System.nanoTime();
        ForwardResult r = session.forward(Batch.lastOnly(prompt, 0));
        stats.targetForwards++;
        long t1 = System.nanoTime();
        int token = sampler.next(r.logitsArray(), 0, vocab, probs);
        while (out.emit(token)) {
            int pos = session.cache().length();
            if (pos >= session.contextSize()) { out.contextFull(); break; }
            r = session.forward(Batch.lastOnly(new int[]{token}, pos));
            stats.targetForwards++;
            token = sampler.next(r.logitsArray(), 0, vocab, probs);
        }
        long t2 = System.nanoTime();
        return out.result(prompt.length, (t1 - t0) / 1e9, (t2 - t1) / 1e9, stats);
    }
}

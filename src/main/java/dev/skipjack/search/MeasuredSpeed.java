package dev.skipjack.search;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.AutoregressiveDecoder;
import dev.skipjack.decode.Decoder;
import dev.skipjack.decode.GenerationParams;
import dev.skipjack.decode.GenerationResult;
import dev.skipjack.decode.SpeculativeDecoder;
import dev.skipjack.draft.AdaptiveDraftExit;
import dev.skipjack.draft.SelfSpeculativeDrafter;
import dev.skipjack.model.SkipSet;
import dev.skipjack.sampling.SamplingParams;

import java.util.List;

/**
 * The search objective: measured tokens per second of self-speculative greedy decoding on the calibration prompts.
 * Prefill is the same for every skip set, so only the decoding phase is timed (less noise). Each measurement
 * starts a fresh adaptive threshold so that measurements do not depend on their order.
 */
public final class MeasuredSpeed implements SkipSearch.Objective {
    private final LanguageModel model;
    private final List<int[]> prompts;
    private final int newTokens;
    private final AdaptiveDraftExit.Settings settings;

    public MeasuredSpeed(LanguageModel model, List<String> prompts, int newTokens, AdaptiveDraftExit.Settings settings) {
        this.model = model;
        this.prompts = prompts.stream().map(model::tokenize).toList();
        this.newTokens = newTokens;
        this.settings = settings;
        int ctx = Math.min(model.options().contextSize(), model.config().contextLength());
        for (int[] p : this.prompts) {
            if (p.length + newTokens + settings.maxDraft() + 1 > ctx) {
                throw new IllegalArgumentException("calibration prompt of " + p.length + " tokens does not fit the context of " + ctx
                        + " with " + newTokens + " new tokens; use shorter prompts or a larger --ctx-size");
            }
        }
    }

    @Override
    public SkipSearch.Measurement measure(SkipSet skip) {
        return run(new SpeculativeDecoder(model.tokenizer(), new SelfSpeculativeDrafter(skip, new AdaptiveDraftExit(settings))));
    }

    /** Plain decoding on the same prompts: the speed every skip set must beat. */
    public SkipSearch.Measurement baseline() { return run(new AutoregressiveDecoder(model.tokenizer())); }

    private SkipSearch.Measurement run(Decoder decoder) {
        GenerationParams params = new GenerationParams(newTokens, SamplingParams.greedy(), true);
        double seconds = 0;
        long tokens = 0, drafted = 0, accepted = 0, forwards = 0;
        for (int[] p : prompts) {
            GenerationResult r = model.generate(decoder, p, params, null);
            seconds += r.decodeSeconds();
            tokens += r.tokens().length - 1; // the first token comes from prefill
            drafted += r.stats().drafted;
            accepted += r.stats().accepted;
            forwards += r.stats().targetForwards - 1;
        }
        return new SkipSearch.Measurement(seconds > 0 ? tokens / seconds : 0,
                drafted > 0 ? (double) accepted / drafted : 0, forwards > 0 ? (double) tokens / forwards : 1);
    }
}

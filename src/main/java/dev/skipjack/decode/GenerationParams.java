package dev.skipjack.decode;

import dev.skipjack.sampling.SamplingParams;

/** What to generate: how many tokens at most, how to sample, and whether end-of-generation tokens stop it. */
public record GenerationParams(int maxTokens, SamplingParams sampling, boolean ignoreEos) {
    public GenerationParams {
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
    }

    public static GenerationParams greedy(int maxTokens) { return new GenerationParams(maxTokens, SamplingParams.greedy(), false); }
}

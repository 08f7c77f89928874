package dev.skipjack.eval;

import java.util.List;
import java.util.Map;

/**
 * Everything one task's evaluation produced.
 *
 * @param reference      the method speedups and token mismatches are measured against ("ar" when run)
 * @param greedy         whether decoding was greedy (then every method must produce the same tokens)
 * @param tokenMismatches prompts on which some method's tokens differ from the reference method's
 * @param skipped        examples left out because their prompt does not fit the context
 */
public record TaskResult(String task, String description, String model, List<String> metrics, Map<String, MethodResult> methods,
                         String reference, boolean greedy, int prompts, int tokenMismatches, boolean qualityIdentical,
                         int skipped, int maxTokens, float temperature, String notes, List<Sample> samples) {

    /** One generation: what was asked, what came out, and how it scored. */
    public record Sample(String id, String method, int promptTokens, int[] tokens, String text, String answer,
                         double seconds, String finishReason, Map<String, Double> scores) {}

    /** True when greedy outputs agreed everywhere (always true for sampled runs, where it is not checked). */
    public boolean lossless() { return !greedy || (tokenMismatches == 0 && qualityIdentical); }
}

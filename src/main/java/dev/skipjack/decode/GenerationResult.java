package dev.skipjack.decode;

/**
 * The outcome of one generation.
 *
 * @param finishReason "stop" (end-of-generation token), "length" (max tokens) or "context" (context full)
 */
public record GenerationResult(String text, int[] tokens, int promptTokens, double prefillSeconds, double decodeSeconds,
                               String finishReason, DecodeStats stats) {
    public double decodeTokensPerSecond() {
        // the first token comes from the prefill pass; each later one costs one decode step
        return decodeSeconds > 0 && tokens.length > 1 ? (tokens.length - 1) / decodeSeconds : 0;
    }
}

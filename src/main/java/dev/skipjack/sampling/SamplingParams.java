package dev.skipjack.sampling;

/**
 * How the next token is chosen. {@code temperature <= 0} means greedy (argmax). Filters follow llama.cpp's order:
 * top-k, top-p, min-p on the raw logits, then temperature. {@code topK <= 0}, {@code topP >= 1} and
 * {@code minP <= 0} disable the corresponding filter.
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, long seed) {
    public SamplingParams {
        if (Float.isNaN(temperature) || temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
    }

    public static SamplingParams greedy() { return new SamplingParams(0f, 0, 1f, 0f, 0); }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
    public static SamplingParams defaults(long seed) { return new SamplingParams(0.8f, 40, 0.95f, 0.05f, seed); }

    public boolean isGreedy() { return temperature <= 0f; }
}

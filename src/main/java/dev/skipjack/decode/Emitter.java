package dev.skipjack.decode;

import dev.skipjack.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Collects emitted tokens for every decoder in the same way: streams text, stops at end-of-generation tokens
 * (unless ignored), at the token budget, or when the context is full.
 */
final class Emitter {
    private final Tokenizer tokenizer;
    private final GenerationParams params;
    private final TokenListener listener;
    private final TextStreamer streamer;
    private final StringBuilder text = new StringBuilder();
    private int[] tokens = new int[16];
    private int count;
    private String finish;

    Emitter(Tokenizer tokenizer, GenerationParams params, TokenListener listener) {
        this.tokenizer = tokenizer;
        this.params = params;
        this.listener = listener;
        this.streamer = new TextStreamer(tokenizer);
        if (params.maxTokens() == 0) finish = "length";
    }

    /** Emits one token; returns false once generation has finished (this token may have been the last). */
    boolean emit(int token) {
        if (finish != null) return false;
        if (!params.ignoreEos() && tokenizer.vocabulary().isEndOfGeneration(token)) {
            finish = "stop";
            return false;
        }
        if (count == tokens.length) tokens = Arrays.copyOf(tokens, count * 2);
        tokens[count++] = token;
        String piece = streamer.push(token);
        text.append(piece);
        listener.onToken(token, piece);
        if (count >= params.maxTokens()) finish = "length";
        return finish == null;
    }

    void contextFull() { if (finish == null) finish = "context"; }

    boolean finished() { return finish != null; }
    int count() { return count; }

    GenerationResult result(int promptTokens, double prefill, double decode, DecodeStats stats) {
        String rest = streamer.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            listener.onToken(-1, rest);
        }
        return new GenerationResult(text.toString(), Arrays.copyOf(tokens, count), promptTokens, prefill, decode,
                finish == null ? "length" : finish, stats);
    }
}

package dev.skipjack.decode;

import dev.skipjack.model.Session;

/** Checks shared by all decoders before any work starts. */
public final class Prompts {
    private Prompts() {}

    public static void check(Session session, int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty (no tokens)");
        if (session.cache().length() != 0) throw new IllegalStateException("session is not fresh");
        if (prompt.length >= session.contextSize()) {
            throw new IllegalArgumentException("prompt is " + prompt.length + " tokens but the context size is "
                    + session.contextSize() + " (leave room for at least one generated token; raise --ctx-size if the model allows)");
        }
    }
}

package dev.skipjack.decode;

/** Called for every generated token, in order, with the text it completes (may be empty mid UTF-8 sequence). */
@FunctionalInterface
public interface TokenListener {
    void onToken(int token, String text);

    TokenListener NONE = (t, s) -> { };
}

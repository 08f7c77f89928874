package dev.skipjack.decode;

import dev.skipjack.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of tokens into text pieces without ever splitting a UTF-8 character: bytes are held back until
 * the sequence they start is complete (byte-fallback tokens can carry a character in several tokens).
 */
public final class TextStreamer {
    private final Tokenizer tokenizer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    public TextStreamer(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** The text that token {@code t} completes. */
    public String push(int t) {
        pending.writeBytes(tokenizer.tokenBytes(t));
        byte[] b = pending.toByteArray();
        int complete = completePrefix(b);
        if (complete == 0) return "";
        pending.reset();
        pending.write(b, complete, b.length - complete);
        return new String(b, 0, complete, StandardCharsets.UTF_8);
    }

    /** Whatever is still held back (an incomplete sequence at the end), decoded with replacement characters. */
    public String flush() {
        String s = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return s;
    }

    /** Length of the longest prefix that does not end inside a multi-byte UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the start of a sequence that is still missing bytes
        for (int back = 1; back <= Math.min(4, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte
            int need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}

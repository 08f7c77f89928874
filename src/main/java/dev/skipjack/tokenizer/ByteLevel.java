package dev.skipjack.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character mapping: printable Latin-1 bytes stand for themselves, the other 68 bytes
 * (controls, space, 0x7F-0xA0, 0xAD) map in order to U+0100.., so every byte string is a string of visible characters.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    static char encode(int b) { return BYTE_TO_CHAR[b & 0xFF]; }

    /** The byte a mapped character stands for, or -1. */
    static int decode(int c) { return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1; }

    /** UTF-8 bytes of {@code text}, each replaced by its mapped character. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        return new String(out);
    }

    /**
     * The bytes a byte-level token text stands for. A character outside the mapping cannot occur in a proper
     * vocabulary; llama.cpp then emits "[UNK_BYTE_0x..]" text, and so do we.
     */
    static byte[] decode(String token) {
        byte[] fast = new byte[token.length()];
        for (int i = 0; i < fast.length; i++) {
            int b = decode(token.charAt(i));
            if (b < 0) return decodeSlow(token);
            fast[i] = (byte) b;
        }
        return fast;
    }

    private static byte[] decodeSlow(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            i += Character.charCount(cp);
            int b = decode(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder s = new StringBuilder("[UNK_BYTE_0x");
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) s.append(String.format("%02x", x & 0xFF));
                s.append(token).append(']');
                out.writeBytes(s.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}

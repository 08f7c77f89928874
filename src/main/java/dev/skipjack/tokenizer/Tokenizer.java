package dev.skipjack.tokenizer;

import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.GgufFile;

/** Text to token ids and back, with the model's BOS/EOS rules and special tokens, as llama.cpp does it. */
public interface Tokenizer {

    /**
     * Tokenizes {@code text}. With {@code addSpecial} the model's BOS (and EOS, where the model asks for it) are
     * added; with {@code parseSpecial} occurrences of special-token text (e.g. {@code <|im_start|>}) become those
     * tokens instead of being tokenized as plain text.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The raw bytes of one token's text (control tokens give none); concatenating them gives UTF-8 text. */
    byte[] tokenBytes(int token);

    Vocabulary vocabulary();

    default String decode(int[] tokens) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int t : tokens) out.writeBytes(tokenBytes(t));
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The tokenizer the GGUF file describes ({@code tokenizer.ggml.model}: "llama" = SentencePiece, "gpt2" = byte-level BPE). */
    static Tokenizer from(GgufFile file) {
        Vocabulary v = Vocabulary.from(file);
        return switch (v.model()) {
            case "llama" -> new SentencePieceTokenizer(v);
            case "gpt2" -> new BpeTokenizer(v, file);
            default -> throw new GgufException(file.path().getFileName() + ": unsupported tokenizer model '" + v.model()
                    + "' (supported: llama, gpt2)");
        };
    }
}

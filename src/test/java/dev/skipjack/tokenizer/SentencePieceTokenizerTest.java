package dev.skipjack.tokenizer;

import dev.skipjack.gguf.GgufFile;
import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** SentencePiece edge cases against llama.cpp's tokenization of the same text (ids from llama-tokenize). */
class SentencePieceTokenizerTest {
    static Tokenizer stories() {
        try (GgufFile f = GgufFile.open(SharedData.model("stories260K/stories260K.gguf"))) {
            return Tokenizer.from(f);
        }
    }

    @Test
    void spacePrefixAfterSpecialTokensLikeLlamaCpp() {
        Tokenizer t = stories();
        assertArrayEquals(new int[]{1, 1, 281, 306, 414}, t.encode("<s>hello", true, true));
        assertArrayEquals(new int[]{1, 261, 410, 1, 410, 268}, t.encode("a <s> b", true, true));
        assertArrayEquals(new int[]{1}, t.encode("", true, true));
    }

    @Test
    void specialTextIsPlainWithoutParseSpecial() {
        Tokenizer t = stories();
        int[] ids = t.encode("<s>", false, false);
        for (int id : ids) assertNotEquals(1, id);
        assertEquals(" <s>", t.decode(ids));
    }

    @Test
    void byteFallbackRoundTripsUnicode() {
        Tokenizer t = stories();
        String text = "naïve café — 日本語 😀";
        int[] ids = t.encode(text, false, false);
        assertEquals(" " + text, t.decode(ids));
    }
}

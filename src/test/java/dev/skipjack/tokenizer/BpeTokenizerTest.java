package dev.skipjack.tokenizer;

import dev.skipjack.gguf.GgufException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Byte-level BPE on toy vocabularies and the pre-tokenizer splits, without any downloaded vocabulary. */
class BpeTokenizerTest {

    // ---- pre-tokenizers (expected splits follow llama.cpp's scanners and regexes) ----------------------------

    private static List<String> split(String pre, String text) { return BpePreTokenizer.forName(pre).split(text); }

    @Test
    void llama3PreTokenizer() {
        assertEquals(List.of("Hello", " world"), split("llama-bpe", "Hello world"));
        assertEquals(List.of("don", "'t", " I", "'LL"), split("llama-bpe", "don't I'LL"));
        assertEquals(List.of("123", "456", "7"), split("llama-bpe", "1234567"));
        assertEquals(List.of(" ", " two"), split("llama-bpe", "  two"));
        assertEquals(List.of("a", "\n\n", " b"), split("llama-bpe", "a\n\n b"));
        assertEquals(List.of("x", "  \n"), split("llama-bpe", "x  \n"));
        assertEquals(List.of("hi", "!!\n\n", "yo"), split("llama-bpe", "hi!!\n\nyo"));
        assertEquals(List.of("end", "   "), split("llama-bpe", "end   "));
        assertEquals(List.of("😀😀", " ok"), split("llama-bpe", "😀😀 ok"));
        assertEquals(List.of("\tfoo", " bar"), split("llama-bpe", "\tfoo bar"));
        assertEquals(List.of("中文测试", "，ok"), split("llama-bpe", "中文测试，ok"));
        assertEquals(List.of(), split("llama-bpe", ""));
    }

    @Test
    void qwen2SplitsDigitsOneByOne() {
        assertEquals(List.of("abc", "1", "2", "3"), split("qwen2", "abc123"));
        assertEquals(List.of(" x", " ", "4", "2"), split("qwen2", " x 42"));
    }

    @Test
    void gpt2PreTokenizer() {
        assertEquals(List.of("Hello", " world"), split("gpt-2", "Hello world"));
        assertEquals(List.of("don", "'t"), split("gpt-2", "don't"));
        assertEquals(List.of("I", "'", "LL"), split("gpt-2", "I'LL")); // contractions are case-sensitive here
        assertEquals(List.of(" ", " two"), split("gpt-2", "  two"));
        assertEquals(List.of("1234567"), split("gpt-2", "1234567"));
        assertEquals(List.of("\n\n", " b"), split("gpt-2", "\n\n b"));
        assertEquals(split("gpt-2", "a b"), split("gpt2", "a b"));
    }

    @Test
    void smollmIsolatesDigitsFirst() {
        assertEquals(List.of("abc", " ", "1", "2", "3", " def"), split("smollm", "abc 123 def"));
    }

    @Test
    void defaultPreTokenizerStages() {
        assertEquals(List.of("Hello", ",", " world", " ", "123", "45", "!"), split("default", "Hello, world 12345!"));
    }

    @Test
    void unknownPreTokenizerIsRejected() {
        assertThrows(GgufException.class, () -> BpePreTokenizer.forName("no-such-pre"));
    }

    @Test
    void byteLevelMappingIsAReversibleBijection() {
        java.util.Set<Character> seen = new java.util.HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.encode(b);
            assertTrue(seen.add(c));
            assertEquals(b, ByteLevel.decode(c));
        }
        assertEquals('Ġ', ByteLevel.encode(' '));
        assertEquals('Ċ', ByteLevel.encode('\n'));
        assertEquals('!', ByteLevel.encode('!'));
    }

    // ---- a toy vocabulary -----------------------------------------------------------------------------------

    private record Toy(Vocabulary vocab, BpeTokenizer tok) {
        int id(String s) { return vocab.id(s); }
    }

    /** The 256 byte characters, then merged tokens, then specials; merges in the given order. */
    private static Toy toy(String pre, List<String> merges, List<String> extra, boolean addBos) {
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) { tokens.add(String.valueOf(ByteLevel.encode(b))); types.add(Vocabulary.NORMAL); }
        for (String m : merges) { tokens.add(m.replace(" ", "")); types.add(Vocabulary.NORMAL); }
        for (String e : extra) { tokens.add(e); types.add(Vocabulary.NORMAL); }
        tokens.add("<|bos|>"); types.add(Vocabulary.CONTROL);
        tokens.add("<|ctl|>"); types.add(Vocabulary.CONTROL);
        tokens.add("<usr>"); types.add(Vocabulary.USER_DEFINED);
        tokens.add("[PAD]"); types.add(Vocabulary.UNUSED);
        int n = tokens.size();
        int[] t = types.stream().mapToInt(Integer::intValue).toArray();
        Vocabulary v = new Vocabulary("gpt2", pre, tokens.toArray(new String[0]), new float[n], t,
                tokens.indexOf("<|bos|>"), -1, -1, -1, addBos, false, false);
        return new Toy(v, new BpeTokenizer(v, merges, addBos));
    }

    @Test
    void mergesByRankAndDecodesBack() {
        Toy t = toy("gpt-2", List.of("h e", "l l", "he ll", "hell o", "Ġ w", "Ġw o"), List.of(), false);
        assertArrayEquals(new int[]{t.id("hello")}, t.tok.encode("hello", false, false));
        assertArrayEquals(new int[]{t.id("hello"), t.id("Ġwo"), t.id("r"), t.id("l"), t.id("d")}, t.tok.encode("hello world", false, false));
        assertEquals("hello world", t.tok.decode(t.tok.encode("hello world", false, false)));
        // non-ASCII goes through its UTF-8 bytes
        String s = "héllo ✓";
        assertEquals(s, t.tok.decode(t.tok.encode(s, false, false)));
    }

    @Test
    void lowerRankWinsAndTiesGoLeft() {
        // "abc": merges "b c" (rank 0) beats "a b" (rank 1)
        Toy t = toy("gpt-2", List.of("b c", "a b"), List.of(), false);
        assertArrayEquals(new int[]{t.id("a"), t.id("bc")}, t.tok.encode("abc", false, false));
        // "aaa" with "a a": the leftmost pair merges first
        Toy u = toy("gpt-2", List.of("a a"), List.of(), false);
        assertArrayEquals(new int[]{u.id("aa"), u.id("a")}, u.tok.encode("aaa", false, false));
    }

    @Test
    void llama3TakesWholeVocabularyWordsWithoutMerging() {
        Toy merged = toy("llama-bpe", List.of(), List.of("xyz"), true);
        assertArrayEquals(new int[]{merged.id("xyz")}, merged.tok.encode("xyz", false, false));
        Toy gpt2 = toy("gpt-2", List.of(), List.of("xyz"), false);
        assertArrayEquals(new int[]{gpt2.id("x"), gpt2.id("y"), gpt2.id("z")}, gpt2.tok.encode("xyz", false, false));
    }

    @Test
    void specialTokensBosAndPieces() {
        Toy t = toy("llama-bpe", List.of(), List.of(), true);
        int bos = t.id("<|bos|>"), ctl = t.id("<|ctl|>"), usr = t.id("<usr>");
        assertArrayEquals(new int[]{bos, ctl, t.id("x")}, t.tok.encode("<|ctl|>x", true, true));
        // control text stays text without special parsing; user-defined tokens are always recognised
        int[] plain = t.tok.encode("<|ctl|>x", false, false);
        assertFalse(contains(plain, ctl));
        assertEquals("<|ctl|>x", t.tok.decode(plain));
        assertArrayEquals(new int[]{t.id("a"), usr, t.id("b")}, t.tok.encode("a<usr>b", false, false));
        // pieces: control and unused tokens have none, user-defined tokens their text
        assertEquals(0, t.tok.tokenBytes(ctl).length);
        assertEquals(0, t.tok.tokenBytes(t.id("[PAD]")).length);
        assertEquals("<usr>", new String(t.tok.tokenBytes(usr), StandardCharsets.UTF_8));
        assertArrayEquals(new int[]{bos}, t.tok.encode("", true, true));
        assertArrayEquals(new int[0], t.tok.encode("", false, true));
    }

    @Test
    void longerSpecialTokensAreCutOutFirstEverywhere() {
        // llama.cpp cuts the longest special token out of the whole text before shorter ones
        String[] tokens = {"x", "<", "a", "b", ">", "x<", "<ab>"};
        int[] types = {1, 1, 1, 1, 1, 4, 4};
        Vocabulary v = new Vocabulary("gpt2", "gpt-2", tokens, new float[tokens.length], types, -1, -1, -1, -1, false, false, false);
        List<SpecialTokenSplitter.Fragment> f = new SpecialTokenSplitter(v).split("x<ab>", false);
        assertEquals(List.of(new SpecialTokenSplitter.Fragment("x", -1), new SpecialTokenSplitter.Fragment("<ab>", 6)), f);
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}

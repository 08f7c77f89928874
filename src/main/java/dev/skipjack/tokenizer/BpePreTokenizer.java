package dev.skipjack.tokenizer;

import dev.skipjack.gguf.GgufException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words that byte-level BPE merges within, as llama.cpp does for each {@code tokenizer.ggml.pre}
 * value. A pre-tokenizer is a sequence of stages; each stage splits every piece left by the previous one into its
 * matches and the gaps between them (so nothing is ever dropped). The common patterns (GPT-2, Llama 3, Qwen2) are
 * hand-written scanners with exactly the semantics llama.cpp gives them (its own Unicode categories, {@code \s}
 * as White_Space, lookahead that cannot see past the piece); other stages are regular expressions run over a
 * "collapsed" copy of the text in which every non-ASCII code point stands for its category, as llama.cpp does.
 */
final class BpePreTokenizer {

    private final String name;
    private final List<Stage> stages;
    private final boolean ignoreMerges;

    private BpePreTokenizer(String name, List<Stage> stages, boolean ignoreMerges) {
        this.name = name;
        this.stages = stages;
        this.ignoreMerges = ignoreMerges;
    }

    // Pre-tokenizer regexes llama.cpp uses besides its hand-written scanners.
    private static final String DIGIT = "\\p{N}";
    private static final String DIGITS = "\\p{N}+";
    private static final String THREE_DIGITS = "[0-9][0-9][0-9]";
    private static final String DEFAULT_PUNCT = "[\\p{P}\\$\\+<=>\\^~\\|]+";
    private static final String FALCON_PUNCT = "[\\p{P}\\$\\+<=>\\^~\\|`]+";

    /** The pre-tokenizer of a {@code tokenizer.ggml.pre} name (llama.cpp's names; "gpt2" is accepted for "gpt-2"). */
    static BpePreTokenizer forName(String pre) {
        String p = pre == null ? "default" : pre;
        return switch (p) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano" ->
                    new BpePreTokenizer(p, List.of(Scanner.LLAMA3), true);
            case "dbrx", "smaug-bpe" -> new BpePreTokenizer(p, List.of(Scanner.LLAMA3), false);
            case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open", "grok-2" ->
                    new BpePreTokenizer(p, List.of(Scanner.QWEN2), false);
            case "qwen35" -> new BpePreTokenizer(p, List.of(Scanner.QWEN35), false);
            case "gpt-2", "gpt2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                 "modern-bert", "mpt", "olmo", "jais", "exaone4", "trillion", "granite-docling" ->
                    new BpePreTokenizer(p, List.of(Scanner.GPT2), false);
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2" ->
                    new BpePreTokenizer(p, List.of(new RegexStage(DIGIT), Scanner.GPT2), false);
            case "falcon" -> new BpePreTokenizer(p,
                    List.of(new RegexStage(FALCON_PUNCT), Scanner.GPT2, new RegexStage(THREE_DIGITS)), false);
            case "default", "" -> new BpePreTokenizer("default", List.of(new RegexStage(DEFAULT_PUNCT), Scanner.GPT2,
                    new RegexStage(DIGITS), new RegexStage(THREE_DIGITS)), false);
            default -> throw new GgufException("unsupported BPE pre-tokenizer '" + p + "' (tokenizer.ggml.pre)");
        };
    }

    /**
     * Whether llama.cpp adds BOS for a BPE vocabulary with this pre-tokenizer when the file has no
     * tokenizer.ggml.add_bos_token (Llama 3, Tekken, Chameleon); false for names it does not know.
     */
    static boolean defaultAddBos(String pre) {
        if (pre == null) return false;
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano",
                 "tekken", "chameleon" -> true;
            default -> false;
        };
    }

    String name() { return name; }

    /** Whether a whole word that is itself a vocabulary entry becomes that token without merging (Llama 3). */
    boolean ignoreMerges() { return ignoreMerges; }

    /** The words of {@code text}, in order; their concatenation is {@code text}. */
    List<String> split(String text) {
        List<String> words = new ArrayList<>();
        if (text.isEmpty()) return words;
        Text t = new Text(text);
        IntList pieces = new IntList();
        pieces.add(t.cps.length);
        for (Stage s : stages) {
            IntList next = new IntList();
            int start = 0;
            for (int i = 0; i < pieces.size; i++) {
                int len = pieces.data[i];
                s.split(t, start, start + len, next);
                start += len;
            }
            pieces = next;
        }
        int start = 0;
        for (int i = 0; i < pieces.size; i++) {
            int len = pieces.data[i];
            words.add(new String(t.cps, start, len));
            start += len;
        }
        return words;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The text as code points with their flags; the collapsed and wide forms are built on first use. */
    static final class Text {
        final int[] cps;
        final int[] flags;
        private String collapsed;
        private String wide;
        private int[] wideToCp; // char index in wide -> code point index

        Text(String s) {
            cps = s.codePoints().toArray();
            flags = new int[cps.length];
            for (int i = 0; i < cps.length; i++) flags[i] = CodepointFlags.of(cps[i]);
        }

        String collapsed() {
            if (collapsed == null) {
                char[] c = new char[cps.length];
                for (int i = 0; i < cps.length; i++) c[i] = collapse(cps[i], flags[i]);
                collapsed = new String(c);
            }
            return collapsed;
        }

        /** The text with non-ASCII whitespace replaced by U+000B (what llama.cpp's wide regexes see). */
        String wide() {
            if (wide == null) {
                StringBuilder b = new StringBuilder(cps.length);
                IntList map = new IntList();
                for (int i = 0; i < cps.length; i++) {
                    int cp = cps[i] > 0x7F && (flags[i] & CodepointFlags.WHITESPACE) != 0 ? 0x0B : cps[i];
                    b.appendCodePoint(cp);
                    for (int k = 0; k < Character.charCount(cp); k++) map.add(i);
                }
                map.add(cps.length);
                wide = b.toString();
                wideToCp = map.toArray();
            }
            return wide;
        }

        int wideIndex(int cpIndex) {
            wide();
            int i = Arrays.binarySearch(wideToCp, cpIndex);
            while (i > 0 && wideToCp[i - 1] == cpIndex) i--;
            return i;
        }

        int cpIndex(int wideIndex) { return wideToCp[wideIndex]; }

        private static char collapse(int cp, int f) {
            if (cp < 128) return (char) cp;
            if ((f & CodepointFlags.WHITESPACE) != 0) return 0x0B;
            return switch (f & CodepointFlags.CATEGORIES) {
                case CodepointFlags.NUMBER -> 0xD1;
                case CodepointFlags.LETTER -> 0xD2;
                case CodepointFlags.PUNCTUATION -> 0xD3;
                case CodepointFlags.MARK -> 0xD4;
                case CodepointFlags.SYMBOL -> 0xD5;
                default -> 0xD0;
            };
        }
    }

    interface Stage {
        /** Appends the lengths (in code points) of the pieces that [ini, end) splits into. */
        void split(Text t, int ini, int end, IntList out);
    }

    /** The hand-written scanners: GPT-2's pattern, and the Llama 3 / Qwen2 / Qwen3.5 family. */
    enum Scanner implements Stage {
        /** 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
        GPT2,
        /** (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
        LLAMA3,
        /** as LLAMA3 but single digits: \p{N} */
        QWEN2,
        /** as QWEN2 but marks join letters: [^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+ and ?[^\s\p{L}\p{M}\p{N}]+ */
        QWEN35;

        private static final int OUT = -1;

        @Override
        public void split(Text t, int ini, int end, IntList out) {
            if (this == GPT2) gpt2(t, ini, end, out);
            else llama3(t, ini, end, out, this == LLAMA3 ? 3 : 1, this == QWEN35);
        }

        private static int cp(Text t, int pos, int ini, int end) { return pos >= ini && pos < end ? t.cps[pos] : OUT; }

        private static int fl(Text t, int pos, int ini, int end) { return pos >= ini && pos < end ? t.flags[pos] : 0; }

        private static boolean has(int flags, int mask) { return (flags & mask) != 0; }

        private static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

        /** Length of a contraction ('s 't 'm 'd 're 've 'll) at pos, or 0. */
        private static int contraction(Text t, int pos, int ini, int end, boolean ignoreCase) {
            if (t.cps[pos] != '\'' || pos + 1 >= end) return 0;
            int n = cp(t, pos + 1, ini, end);
            if (ignoreCase) n = lower(n);
            if (n == 's' || n == 't' || n == 'm' || n == 'd') return 2;
            if (pos + 2 < end) {
                int nn = cp(t, pos + 2, ini, end);
                if (ignoreCase) nn = lower(nn);
                if ((n == 'r' && nn == 'e') || (n == 'v' && nn == 'e') || (n == 'l' && nn == 'l')) return 3;
            }
            return 0;
        }

        private static void gpt2(Text t, int ini, int end, IntList out) {
            final int L = CodepointFlags.LETTER, N = CodepointFlags.NUMBER, W = CodepointFlags.WHITESPACE;
            int pos = ini;
            while (pos < end) {
                int c = t.cps[pos];
                int f = t.flags[pos];
                int k = contraction(t, pos, ini, end, false);
                if (k > 0) { out.add(k); pos += k; continue; }
                int start = pos;
                int f2 = c == ' ' ? fl(t, pos + 1, ini, end) : f;
                if (has(f2, L) || has(f2, N)) { // <space>?\p{L}+  or  <space>?\p{N}+
                    int cls = has(f2, L) ? L : N;
                    if (c == ' ') pos++;
                    while (has(fl(t, pos, ini, end), cls)) pos++;
                    out.add(pos - start);
                    continue;
                }
                if (!has(f2, W | L | N) && f2 != 0) { // <space>?[^\s\p{L}\p{N}]+
                    if (c == ' ') pos++;
                    while (true) {
                        int g = fl(t, pos, ini, end);
                        if (has(g, W | L | N) || g == 0) break;
                        pos++;
                    }
                    out.add(pos - start);
                    continue;
                }
                int ws = 0;
                while (has(fl(t, pos + ws, ini, end), W)) ws++;
                if (ws > 1 && cp(t, pos + ws, ini, end) != OUT) pos += ws - 1; // \s+(?!\S)
                else if (ws > 0) pos += ws;                                   // \s+
                else pos++;                                                   // no match: one code point
                out.add(pos - start);
            }
        }

        private static void llama3(Text t, int ini, int end, IntList out, int maxDigits, boolean marks) {
            final int N = CodepointFlags.NUMBER, W = CodepointFlags.WHITESPACE;
            final int letter = marks ? CodepointFlags.LETTER | CodepointFlags.MARK : CodepointFlags.LETTER;
            final int notPunct = W | N | letter;
            int pos = ini;
            while (pos < end) {
                int c = t.cps[pos];
                int f = t.flags[pos];
                int k = contraction(t, pos, ini, end, true);
                if (k > 0) { out.add(k); pos += k; continue; }
                int start = pos;
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(c == '\r' || c == '\n' || has(f, N)) && (has(f, letter) || has(fl(t, pos + 1, ini, end), letter))) {
                    pos++;
                    while (has(fl(t, pos, ini, end), letter)) pos++;
                    out.add(pos - start);
                    continue;
                }
                // \p{N}{1,maxDigits}
                if (has(f, N)) {
                    int run = 0;
                    while (has(fl(t, pos, ini, end), N)) {
                        pos++;
                        if (++run == maxDigits) { out.add(run); run = 0; }
                    }
                    if (run > 0) out.add(run);
                    continue;
                }
                // <space>?[^\s\p{L}\p{N}]+[\r\n]*
                int f2 = c == ' ' ? fl(t, pos + 1, ini, end) : f;
                if (!has(f2, notPunct) && f != 0) {
                    if (c == ' ') pos++;
                    while (true) {
                        int g = fl(t, pos, ini, end);
                        if (has(g, notPunct) || g == 0) break;
                        pos++;
                    }
                    while (true) {
                        int c2 = cp(t, pos, ini, end);
                        if (c2 != '\r' && c2 != '\n') break;
                        pos++;
                    }
                    out.add(pos - start);
                    continue;
                }
                int ws = 0, lastNewlineEnd = -1;
                while (has(fl(t, pos + ws, ini, end), W)) {
                    int c2 = t.cps[pos + ws];
                    if (c2 == '\r' || c2 == '\n') lastNewlineEnd = pos + ws + 1;
                    ws++;
                }
                if (lastNewlineEnd >= 0) pos = lastNewlineEnd;                       // \s*[\r\n]+
                else if (ws > 1 && cp(t, pos + ws, ini, end) != OUT) pos += ws - 1; // \s+(?!\S)
                else if (ws > 0) pos += ws;                                         // \s+
                else pos++;                                                         // no match
                out.add(pos - start);
            }
        }
    }

    /**
     * A regular-expression stage: matches and the gaps between them become pieces. Patterns using Unicode
     * categories run over the collapsed text with each {@code \p{X}} replaced by its collapsed class (the category's
     * stand-in character plus its ASCII members); others run over the text with non-ASCII whitespace as U+000B.
     */
    static final class RegexStage implements Stage {
        private static final Map<String, Integer> CATEGORY = Map.of(
                "\\p{N}", CodepointFlags.NUMBER, "\\p{L}", CodepointFlags.LETTER, "\\p{P}", CodepointFlags.PUNCTUATION,
                "\\p{M}", CodepointFlags.MARK, "\\p{S}", CodepointFlags.SYMBOL, "\\p{Lu}", CodepointFlags.LETTER,
                "\\p{Ll}", CodepointFlags.LETTER, "\\p{Lt}", CodepointFlags.LETTER, "\\p{Lm}", CodepointFlags.LETTER,
                "\\p{Lo}", CodepointFlags.LETTER);

        private final Pattern pattern;
        private final boolean collapsed;

        RegexStage(String regex) {
            boolean usesCategories = CATEGORY.keySet().stream().anyMatch(regex::contains);
            this.collapsed = usesCategories;
            this.pattern = Pattern.compile(usesCategories ? collapse(regex) : regex);
        }

        private static String collapsedClass(int category) {
            return switch (category) {
                case CodepointFlags.NUMBER -> "\u00D10-9";
                case CodepointFlags.LETTER -> "\u00D2A-Za-z";
                case CodepointFlags.PUNCTUATION -> "\u00D3!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
                case CodepointFlags.MARK -> "\u00D4";
                case CodepointFlags.SYMBOL -> "\u00D5\\$\\+<->\\^`\\|\\~";
                default -> throw new IllegalArgumentException();
            };
        }

        static String collapse(String regex) {
            StringBuilder b = new StringBuilder();
            boolean inside = false;
            for (int i = 0; i < regex.length(); i++) {
                char c = regex.charAt(i);
                if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) { b.append(c); inside = true; continue; }
                if (inside && c == ']' && regex.charAt(i - 1) != '\\') { b.append(c); inside = false; continue; }
                if (c == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                    int close = regex.indexOf('}', i + 3);
                    if (close >= 0 && close <= i + 10) {
                        Integer cat = CATEGORY.get(regex.substring(i, close + 1));
                        if (cat != null) {
                            if (!inside) b.append('[');
                            b.append(collapsedClass(cat));
                            if (!inside) b.append(']');
                            i = close;
                            continue;
                        }
                    }
                }
                b.append(c);
            }
            return b.toString();
        }

        @Override
        public void split(Text t, int ini, int end, IntList out) {
            if (ini == end) return;
            if (collapsed) {
                Matcher m = pattern.matcher(t.collapsed());
                m.region(ini, end);
                int prev = ini;
                while (m.find()) {
                    if (m.start() > prev) out.add(m.start() - prev);
                    if (m.end() > m.start()) out.add(m.end() - m.start());
                    prev = m.end();
                }
                if (prev < end) out.add(end - prev);
            } else {
                Matcher m = pattern.matcher(t.wide());
                m.region(t.wideIndex(ini), t.wideIndex(end));
                int prev = ini;
                while (m.find()) {
                    int s = t.cpIndex(m.start()), e = t.cpIndex(m.end());
                    if (s > prev) out.add(s - prev);
                    if (e > s) out.add(e - s);
                    prev = e;
                }
                if (prev < end) out.add(end - prev);
            }
        }
    }

    /** A growable int array. */
    static final class IntList {
        int[] data = new int[16];
        int size;

        void add(int v) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = v;
        }

        int[] toArray() { return Arrays.copyOf(data, size); }
    }
}

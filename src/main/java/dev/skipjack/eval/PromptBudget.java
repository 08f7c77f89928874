package dev.skipjack.eval;

import java.util.function.Function;
import java.util.function.ToIntFunction;

/** How many prompt tokens fit (the context less the generation budget), and how to count them. */
public record PromptBudget(ToIntFunction<String> counter, int maxTokens) {
    public int count(String text) { return counter.applyAsInt(text); }

    public boolean fits(String text) { return count(text) <= maxTokens; }

    /**
     * The longest prefix of {@code text} (cut at a word boundary where possible) whose {@code build}-ed prompt fits
     * in {@code limit} tokens: the whole text when it fits already, null when not even the empty text does.
     */
    public String fitPrefix(String text, Function<String, String> build, int limit) {
        if (count(build.apply(text)) <= limit) return text;
        if (count(build.apply("")) > limit) return null;
        int lo = 0, hi = text.length(); // build(cut(lo)) fits, build(cut(hi)) does not
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (count(build.apply(cut(text, mid))) <= limit) lo = mid;
            else hi = mid;
        }
        return cut(text, lo);
    }

    public String fitPrefix(String text, Function<String, String> build) { return fitPrefix(text, build, maxTokens); }

    /** The first {@code n} characters, backed off to the last whitespace when that keeps most of them. */
    static String cut(String text, int n) {
        if (n >= text.length()) return text;
        if (n > 0 && Character.isLowSurrogate(text.charAt(n))) n--;
        String s = text.substring(0, n);
        int ws = Math.max(s.lastIndexOf(' '), s.lastIndexOf('\n'));
        if (ws > 0 && ws >= n - 40) s = s.substring(0, ws);
        return s.stripTrailing();
    }
}

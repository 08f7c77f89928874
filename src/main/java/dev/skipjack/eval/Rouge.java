package dev.skipjack.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L F1 (Lin 2004), the way Google's {@code rouge_score} computes them without
 * stemming: lowercase, split on everything that is not {@code [a-z0-9]}, clipped n-gram overlap for ROUGE-N,
 * the longest common subsequence of the token lists for ROUGE-L (summary-level, not ROUGE-Lsum).
 */
public final class Rouge {
    private Rouge() {}

    /** Precision, recall and F1 of one metric. */
    public record Score(double precision, double recall, double f1) {
        static Score of(long overlap, long candidate, long reference) {
            double p = candidate > 0 ? (double) overlap / candidate : 0;
            double r = reference > 0 ? (double) overlap / reference : 0;
            return new Score(p, r, p + r > 0 ? 2 * p * r / (p + r) : 0);
        }
    }

    /** ROUGE-1, ROUGE-2 and ROUGE-L of a candidate summary against one reference. */
    public record Scores(Score rouge1, Score rouge2, Score rougeL) {}

    public static Scores score(String candidate, String reference) {
        List<String> c = tokenize(candidate), r = tokenize(reference);
        return new Scores(rougeN(c, r, 1), rougeN(c, r, 2), rougeL(c, r));
    }

    /** Lowercased alphanumeric runs; everything else separates tokens. */
    public static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        String s = text.toLowerCase(Locale.ROOT);
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            boolean word = i < s.length() && isWordChar(s.charAt(i));
            if (word && start < 0) start = i;
            else if (!word && start >= 0) {
                out.add(s.substring(start, i));
                start = -1;
            }
        }
        return out;
    }

    private static boolean isWordChar(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }

    public static Score rougeN(List<String> candidate, List<String> reference, int n) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1");
        Map<List<String>, Integer> ref = ngrams(reference, n), cand = ngrams(candidate, n);
        long overlap = 0;
        for (var e : cand.entrySet()) overlap += Math.min(e.getValue(), ref.getOrDefault(e.getKey(), 0));
        return Score.of(overlap, Math.max(0, candidate.size() - n + 1), Math.max(0, reference.size() - n + 1));
    }

    public static Score rougeL(List<String> candidate, List<String> reference) {
        return Score.of(lcs(candidate, reference), candidate.size(), reference.size());
    }

    /** Length of the longest common subsequence (two-row dynamic programme). */
    static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1], cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            String x = a.get(i - 1);
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.size()];
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> m = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) m.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        return m;
    }
}

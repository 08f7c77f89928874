package dev.skipjack.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** ROUGE against values computed by hand. */
class RougeTest {
    private static final double EPS = 1e-12;

    @Test
    void tokenizesLowercaseAlphanumericRuns() {
        assertEquals(List.of("hello", "world", "it", "s", "2024", "caf"), Rouge.tokenize("Hello, WORLD! It's 2024... Café"));
        assertEquals(List.of(), Rouge.tokenize(" ,.; "));
    }

    @Test
    void oneExtraWord() {
        // ref: the cat was under the bed (6 tokens, 5 bigrams); cand adds "found" (7 tokens, 6 bigrams)
        Rouge.Scores s = Rouge.score("The cat was found under the bed.", "the cat was under the bed");
        // unigrams: the x2, cat, was, under, bed = 6 overlap; P = 6/7, R = 1, F = 12/13
        assertEquals(6.0 / 7, s.rouge1().precision(), EPS);
        assertEquals(1.0, s.rouge1().recall(), EPS);
        assertEquals(12.0 / 13, s.rouge1().f1(), EPS);
        // bigrams: "the cat", "cat was", "under the", "the bed" = 4; P = 4/6, R = 4/5, F = 8/11
        assertEquals(4.0 / 6, s.rouge2().precision(), EPS);
        assertEquals(4.0 / 5, s.rouge2().recall(), EPS);
        assertEquals(8.0 / 11, s.rouge2().f1(), EPS);
        // LCS = the reference itself (6)
        assertEquals(12.0 / 13, s.rougeL().f1(), EPS);
    }

    @Test
    void overlapIsClipped() {
        // "the" x4 against one "the": unigram overlap 1, P = 1/4, R = 1/2, F = 1/3; no common bigram; LCS 1
        Rouge.Scores s = Rouge.score("the the the the", "the cat");
        assertEquals(1.0 / 3, s.rouge1().f1(), EPS);
        assertEquals(0.0, s.rouge2().f1(), EPS);
        assertEquals(1.0 / 3, s.rougeL().f1(), EPS);
    }

    @Test
    void lcsRespectsOrder() {
        // same bag of words, reversed: ROUGE-1 = 1, no bigram, LCS = 1 of 4 -> 1/4
        Rouge.Scores s = Rouge.score("a b c d", "d c b a");
        assertEquals(1.0, s.rouge1().f1(), EPS);
        assertEquals(0.0, s.rouge2().f1(), EPS);
        assertEquals(0.25, s.rougeL().f1(), EPS);
        // LCS "a c e" (3) of cand 5 / ref 4: P = 3/5, R = 3/4, F = 2/3
        Rouge.Scores t = Rouge.score("a x c y e", "a c z e");
        assertEquals(2.0 / 3, t.rougeL().f1(), EPS);
        assertEquals(3, Rouge.lcs(List.of("a", "x", "c", "y", "e"), List.of("a", "c", "z", "e")));
    }

    @Test
    void identicalAndEmpty() {
        Rouge.Scores same = Rouge.score("Police arrested two men.", "police arrested two men");
        assertEquals(1.0, same.rouge1().f1(), EPS);
        assertEquals(1.0, same.rouge2().f1(), EPS);
        assertEquals(1.0, same.rougeL().f1(), EPS);
        Rouge.Scores empty = Rouge.score("", "police arrested two men");
        assertEquals(0.0, empty.rouge1().f1());
        assertEquals(0.0, empty.rouge2().f1());
        assertEquals(0.0, empty.rougeL().f1());
        assertEquals(0.0, Rouge.score("one", "one").rouge2().f1(), "no bigrams at all scores 0");
    }
}

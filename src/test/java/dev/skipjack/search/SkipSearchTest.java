package dev.skipjack.search;

import dev.skipjack.model.SkipSet;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SkipSearchTest {
    /**
     * A stand-in for measured speed with the shape the real one has: skipping cheap-to-skip sublayers (even-numbered
     * attention) speeds drafting up, skipping "important" ones (MLPs, odd attention) destroys acceptance.
     */
    static SkipSearch.Measurement synthetic(SkipSet s) {
        double speed = 100;
        for (int l = 0; l < s.layers(); l++) {
            if (s.skipAttention(l)) speed += l % 2 == 0 ? 10 : -12;
            if (s.skipMlp(l)) speed -= 15;
        }
        return new SkipSearch.Measurement(speed, 0.5, 1.5);
    }

    static final SkipSet OPTIMUM = SkipSet.of(12, new int[]{0, 2, 4, 6, 8, 10}, new int[0]);

    @Test
    void findsABetterSetThanItsSeedsAndBeatsRandomSearch() {
        SkipSearch bo = new SkipSearch(12, new SkipSearch.Settings(40, 1e9, 0, 2.0, 1, 400), SkipSearchTest::synthetic, List.of());
        SkipSearch.Evaluation best = bo.run(e -> { });
        double seedsBest = bo.history().stream().filter(e -> e.origin().equals("seed"))
                .mapToDouble(e -> e.measurement().tokensPerSecond()).max().orElseThrow();
        assertTrue(best.measurement().tokensPerSecond() > seedsBest, "BO improves on the structured seeds");
        assertTrue(best.measurement().tokensPerSecond() >= synthetic(OPTIMUM).tokensPerSecond() - 20,
                "near the optimum (" + synthetic(OPTIMUM).tokensPerSecond() + "): " + best.measurement().tokensPerSecond() + " " + best.skip());
        // random search with the same number of measurements does worse
        SplittableRandom r = new SplittableRandom(1);
        double randomBest = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < 40; i++) {
            boolean[] a = new boolean[12], m = new boolean[12];
            for (int l = 0; l < 12; l++) { a[l] = r.nextBoolean(); m[l] = r.nextInt(4) == 0; }
            randomBest = Math.max(randomBest, synthetic(new SkipSet(a, m)).tokensPerSecond());
        }
        assertTrue(best.measurement().tokensPerSecond() > randomBest, "BO " + best.measurement().tokensPerSecond() + " vs random " + randomBest);
        assertEquals(40, bo.history().size());
        assertEquals(40, bo.history().stream().map(SkipSearch.Evaluation::skip).distinct().count(), "never measures a set twice");
    }

    @Test
    void stopsWhenTheGainFlattens() {
        SkipSearch s = new SkipSearch(8, new SkipSearch.Settings(200, 1e9, 5, 2.0, 3, 200), x -> new SkipSearch.Measurement(50, 0, 1), List.of());
        s.run(e -> { });
        assertTrue(s.history().size() < 20, "flat objective: stops early, made " + s.history().size());
    }

    @Test
    void resumesFromPreviousMeasurements() {
        SkipSearch first = new SkipSearch(12, new SkipSearch.Settings(8, 1e9, 0, 2.0, 1, 200), SkipSearchTest::synthetic, List.of());
        first.run(e -> { });
        int[] calls = {0};
        SkipSearch second = new SkipSearch(12, new SkipSearch.Settings(12, 1e9, 0, 2.0, 1, 200),
                x -> { calls[0]++; return synthetic(x); }, first.history());
        second.run(e -> { });
        assertEquals(4, calls[0], "only the remaining measurements are made");
        assertEquals(12, second.history().size());
        assertTrue(second.best().measurement().tokensPerSecond() >= first.best().measurement().tokensPerSecond());
    }

    @Test
    void seedsAreValidAndKeepTheOuterLayers() {
        for (int layers : new int[]{2, 5, 10, 30}) {
            for (SkipSet s : SkipSearch.structuredSeeds(layers)) {
                assertEquals(layers, s.layers());
                assertFalse(s.isEmpty());
                if (layers >= 3) {
                    assertFalse(s.skipAttention(0) || s.skipAttention(layers - 1) || s.skipMlp(0) || s.skipMlp(layers - 1));
                }
            }
        }
    }
}

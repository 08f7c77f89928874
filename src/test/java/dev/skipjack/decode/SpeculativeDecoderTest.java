package dev.skipjack.decode;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.draft.AdaptiveDraftExit;
import dev.skipjack.model.Batch;
import dev.skipjack.model.ForwardResult;
import dev.skipjack.model.Session;
import dev.skipjack.model.SkipSet;
import dev.skipjack.sampling.Sampler;
import dev.skipjack.sampling.SamplingParams;
import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Self-speculative decoding is lossless: greedy output identical to plain decoding, sampling with the same distribution. */
class SpeculativeDecoderTest {
    static final String[] PROMPTS = {"def fibonacci(n):\n", "import os\nimport sys\n\n\ndef main(", "class Stack:\n    def __init__(self):\n",
            "for i in range(10):\n    if i % 2 == 0:\n"};

    static SkipSet[] skipSets(int layers) {
        boolean[] all = new boolean[layers];
        Arrays.fill(all, true);
        SplittableRandom rnd = new SplittableRandom(7);
        boolean[] ra = new boolean[layers], rm = new boolean[layers];
        for (int l = 0; l < layers; l++) { ra[l] = rnd.nextBoolean(); rm[l] = rnd.nextInt(4) == 0; }
        return new SkipSet[]{
                SkipSet.none(layers),                          // draft == target: everything accepted
                new SkipSet(all, all),                         // draft is embedding -> head: almost nothing accepted
                SkipSet.of(layers, new int[]{1, 3, layers - 1}, new int[]{2}),
                new SkipSet(ra, rm)};
    }

    @ParameterizedTest
    @ValueSource(strings = {"pycode-5m/pycode-5m-f32.gguf", "pycode-5m/pycode-5m-q4_0.gguf", "stories260K/stories260K.gguf"})
    void greedyOutputIsIdenticalToPlainDecoding(String file) {
        try (LanguageModel m = LanguageModel.load(SharedData.model(file), new LanguageModel.Options(1, 512))) {
            GenerationParams params = new GenerationParams(40, SamplingParams.greedy(), true);
            for (SkipSet skip : skipSets(m.config().layers())) {
                for (int maxDraft : new int[]{1, 4, 12}) {
                    Decoder spec = m.selfSpeculative(skip, AdaptiveDraftExit.Settings.paper().withMaxDraft(maxDraft));
                    for (String p : PROMPTS) {
                        int[] prompt = m.tokenize(p);
                        GenerationResult plain = m.generate(prompt, params, null);
                        GenerationResult fast = m.generate(spec, prompt, params, null);
                        assertArrayEquals(plain.tokens(), fast.tokens(), file + " skip " + skip + " max " + maxDraft + " prompt " + p);
                        assertEquals(plain.text(), fast.text());
                        DecodeStats s = fast.stats();
                        assertTrue(s.accepted <= s.drafted);
                        assertEquals(fast.tokens().length, s.accepted + s.targetForwards, "each target forward emits one own token");
                        if (skip.isEmpty()) assertEquals(s.drafted, s.accepted, "an unskipped draft is the target itself");
                    }
                }
            }
        }
    }

    @Test
    void onlineSkipLearningIsLosslessAndKeepsWhatItLearned() {
        try (LanguageModel m = LanguageModel.load(SharedData.model("pycode-5m/pycode-5m-q8_0.gguf"), new LanguageModel.Options(1, 512))) {
            var online = new dev.skipjack.draft.OnlineSkipDrafter.Settings(0.3, 16, 1, 30, 0.99, 3);
            SpeculativeDecoder spec = m.onlineSpeculative(online, AdaptiveDraftExit.Settings.paper());
            var drafter = (dev.skipjack.draft.OnlineSkipDrafter) spec.drafter();
            SkipSet start = drafter.skipSet();
            assertEquals(6, start.size(), "30% of 20 sublayers");
            GenerationParams params = new GenerationParams(60, SamplingParams.greedy(), true);
            for (String p : PROMPTS) {
                int[] prompt = m.tokenize(p);
                assertArrayEquals(m.generate(prompt, params, null).tokens(), m.generate(spec, prompt, params, null).tokens(), p);
            }
            assertTrue(drafter.trials() > 0, "trials ran while decoding");
            assertEquals(6, drafter.skipSet().size(), "candidates keep the skip ratio");
            assertSame(drafter, m.onlineSpeculative(online, AdaptiveDraftExit.Settings.paper()).drafter(), "carries over between requests");
        }
    }

    @Test
    void stopsAtEndOfGenerationAndTokenBudgetLikePlainDecoding() {
        try (LanguageModel m = LanguageModel.load(SharedData.model("stories260K/stories260K.gguf"), new LanguageModel.Options(1, 512))) {
            Decoder spec = m.selfSpeculative(SkipSet.of(5, new int[]{2}, new int[]{3}), AdaptiveDraftExit.Settings.paper());
            for (int max : new int[]{1, 2, 7, 200}) {
                GenerationParams params = new GenerationParams(max, SamplingParams.greedy(), false);
                int[] prompt = m.tokenize("Once upon a time");
                GenerationResult plain = m.generate(prompt, params, null);
                GenerationResult fast = m.generate(spec, prompt, params, null);
                assertArrayEquals(plain.tokens(), fast.tokens(), "max " + max);
                assertEquals(plain.finishReason(), fast.finishReason());
            }
        }
    }

    /**
     * Exact speculative sampling: the joint distribution of the first three generated tokens must equal the target's
     * own, computed exactly by enumerating the top-k tree. Chi-square goodness of fit at significance 0.001.
     */
    @Test
    void sampledOutputHasTheTargetDistribution() {
        try (LanguageModel m = LanguageModel.load(SharedData.model("stories260K/stories260K.gguf"), new LanguageModel.Options(1, 64))) {
            int vocab = m.config().vocabSize();
            SamplingParams base = new SamplingParams(1.5f, 3, 0.97f, 0.01f, 0);
            int[] prompt = m.tokenize("Tom had a red");
            // exact distribution of (t1, t2, t3) under the processed target distribution
            Map<String, Double> exact = new HashMap<>();
            enumerate(m, prompt, base, 3, 1.0, "", exact);
            assertTrue(exact.size() > 8, "enough outcomes to make the test meaningful: " + exact.size());
            // draft: a heavily skipped model, so that rejections and residual sampling really happen
            Decoder spec = m.selfSpeculative(SkipSet.of(5, new int[]{0, 1, 2, 3}, new int[]{1, 2}),
                    AdaptiveDraftExit.Settings.paper().withGamma0(0.0).withMaxDraft(3));
            int runs = 6000;
            Map<String, Integer> counts = new HashMap<>();
            long drafted = 0, accepted = 0;
            for (int seed = 0; seed < runs; seed++) {
                SamplingParams sp = new SamplingParams(base.temperature(), base.topK(), base.topP(), base.minP(), seed);
                GenerationResult r = m.generate(spec, prompt, new GenerationParams(3, sp, true), null);
                drafted += r.stats().drafted;
                accepted += r.stats().accepted;
                counts.merge(key(r.tokens()), 1, Integer::sum);
            }
            assertTrue(drafted > 0 && accepted > 0 && accepted < drafted, "both acceptances and rejections: " + accepted + "/" + drafted);
            // pool outcomes with small expected counts into one bucket so the chi-square approximation holds
            double chi2 = 0, restExpected = 0;
            int restObserved = 0, cells = 0;
            for (var e : exact.entrySet()) {
                double expected = e.getValue() * runs;
                int observed = counts.getOrDefault(e.getKey(), 0);
                if (expected < 5) { restExpected += expected; restObserved += observed; continue; }
                chi2 += (observed - expected) * (observed - expected) / expected;
                cells++;
            }
            for (var e : counts.entrySet()) if (!exact.containsKey(e.getKey())) fail("impossible outcome " + e.getKey());
            if (restExpected > 0) { chi2 += (restObserved - restExpected) * (restObserved - restExpected) / restExpected; cells++; }
            double critical = chiSquareCritical001(cells - 1);
            assertTrue(chi2 < critical, "chi2 " + chi2 + " >= " + critical + " with " + (cells - 1) + " dof");
        }
    }

    static String key(int[] t) { return Arrays.toString(t); }

    static void enumerate(LanguageModel m, int[] seq, SamplingParams sp, int depth, double prob, String prefix, Map<String, Double> out) {
        Session s = m.newSession();
        ForwardResult r = s.forward(Batch.lastOnly(seq, 0));
        float[] p = new float[m.config().vocabSize()];
        new Sampler(sp).distribution(r.logitsArray(), 0, p.length, p);
        for (int t = 0; t < p.length; t++) {
            if (p[t] <= 0) continue;
            int[] next = Arrays.copyOf(seq, seq.length + 1);
            next[seq.length] = t;
            String k = prefix.isEmpty() ? "" + t : prefix + ", " + t;
            if (depth == 1) out.put("[" + k + "]", prob * p[t]);
            else enumerate(m, next, sp, depth - 1, prob * p[t], k, out);
        }
    }

    /** Upper 0.001 quantile of chi-square (Wilson-Hilferty approximation, accurate to ~1% for dof >= 3). */
    static double chiSquareCritical001(int dof) {
        double z = 3.0902; // standard normal 0.999 quantile
        double a = 2.0 / (9 * dof);
        return dof * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }
}

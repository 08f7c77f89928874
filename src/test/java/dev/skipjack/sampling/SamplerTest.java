package dev.skipjack.sampling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {
    static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 3.0f, -1.0f, 0.0f, 2.5f, -3.0f};

    static double[] softmax(float[] l, double t, boolean[] keep) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < l.length; i++) if (keep[i]) max = Math.max(max, l[i]);
        double[] p = new double[l.length];
        double s = 0;
        for (int i = 0; i < l.length; i++) if (keep[i]) { p[i] = Math.exp((l[i] - max) / t); s += p[i]; }
        for (int i = 0; i < l.length; i++) p[i] /= s;
        return p;
    }

    static float[] dist(SamplingParams p) {
        float[] out = new float[LOGITS.length];
        new Sampler(p).distribution(LOGITS, 0, LOGITS.length, out);
        return out;
    }

    @Test
    void greedyIsOneHotAtArgmax() {
        float[] d = dist(SamplingParams.greedy());
        assertEquals(1f, d[3]);
        assertEquals(1f, sum(d), 1e-6);
        assertEquals(3, new Sampler(SamplingParams.greedy()).next(LOGITS, 0, LOGITS.length, new float[8]));
    }

    @Test
    void temperatureAloneIsSoftmaxOfScaledLogits() {
        boolean[] all = {true, true, true, true, true, true, true, true};
        double[] want = softmax(LOGITS, 0.7, all);
        float[] d = dist(new SamplingParams(0.7f, 0, 1f, 0f, 1));
        for (int i = 0; i < d.length; i++) assertEquals(want[i], d[i], 1e-6);
    }

    @Test
    void topKKeepsTheKLargest() {
        float[] d = dist(new SamplingParams(1f, 3, 1f, 0f, 1));
        double[] want = softmax(LOGITS, 1, new boolean[]{true, false, false, true, false, false, true, false});
        for (int i = 0; i < d.length; i++) assertEquals(want[i], d[i], 1e-6);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // sorted probs at T=1: 3.0 (.41), 2.5 (.25), 2.0 (.15), 1.0 (.06) ... ; p = 0.8 -> first three (0.81)
        float[] d = dist(new SamplingParams(1f, 0, 0.8f, 0f, 1));
        double[] want = softmax(LOGITS, 1, new boolean[]{true, false, false, true, false, false, true, false});
        for (int i = 0; i < d.length; i++) assertEquals(want[i], d[i], 1e-6);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        // p(x)/p(top) = exp(l - 3): keep l >= 3 + ln(0.2) = 1.39 -> 3.0, 2.5, 2.0
        float[] d = dist(new SamplingParams(2f, 0, 1f, 0.2f, 1));
        double[] want = softmax(LOGITS, 2, new boolean[]{true, false, false, true, false, false, true, false});
        for (int i = 0; i < d.length; i++) assertEquals(want[i], d[i], 1e-6);
    }

    @Test
    void drawsFollowTheDistribution() {
        // chi-square goodness of fit at significance 0.001 (7 degrees of freedom: critical value 24.32)
        SamplingParams p = new SamplingParams(1.3f, 0, 1f, 0f, 1234);
        float[] d = dist(p);
        Sampler s = new Sampler(p);
        int n = 50_000;
        int[] counts = new int[LOGITS.length];
        float[] scratch = new float[LOGITS.length];
        for (int i = 0; i < n; i++) counts[s.next(LOGITS, 0, LOGITS.length, scratch)]++;
        double chi2 = 0;
        for (int i = 0; i < d.length; i++) {
            double e = n * d[i];
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
        }
        assertTrue(chi2 < 24.32, "chi2 = " + chi2);
    }

    @Test
    void sameSeedSameTokens() {
        SamplingParams p = new SamplingParams(1f, 0, 1f, 0f, 99);
        Sampler a = new Sampler(p), b = new Sampler(p);
        float[] s = new float[8];
        for (int i = 0; i < 100; i++) assertEquals(a.next(LOGITS, 0, 8, s), b.next(LOGITS, 0, 8, s));
    }

    @Test
    void rejectsInvalidParameters() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-0.1f, 0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, -1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 0f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 1, 1.5f, 0));
    }

    static float sum(float[] a) { float s = 0; for (float x : a) s += x; return s; }
}

package dev.skipjack.draft;

import dev.skipjack.model.Batch;
import dev.skipjack.model.ForwardResult;
import dev.skipjack.model.Session;
import dev.skipjack.model.SkipSet;
import dev.skipjack.sampling.Sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Self-speculation that needs no offline search (in the spirit of SWIFT): the skip set is optimised while decoding.
 * Every few verification rounds one candidate set is scored against the current one on the most recent tokens: both
 * re-read the last {@code window} tokens with the cache cut before them (one batched forward each), and the score is
 * how often the draft's argmax equals the token that was actually decided. The better set is kept. Candidates keep
 * the skip ratio fixed (the draft's cost) and change which sublayers are skipped: mostly swaps around the current set,
 * sometimes a fresh random set. Optimisation stops once agreement reaches {@code targetAgreement} or after
 * {@code maxTrials}; the learned set then stays for the life of this drafter (it carries over between requests).
 * Lossless whatever set is chosen: the target verifies every draft.
 */
public final class OnlineSkipDrafter implements Drafter {
    /** How the online search runs. */
    public record Settings(double skipRatio, int window, int roundsPerTrial, int maxTrials, double targetAgreement, long seed) {
        public Settings {
            if (!(skipRatio > 0 && skipRatio < 1)) throw new IllegalArgumentException("skip ratio must be in (0, 1), got " + skipRatio);
            if (window < 4) throw new IllegalArgumentException("window must be >= 4");
            if (roundsPerTrial < 1 || maxTrials < 0) throw new IllegalArgumentException("bad trial settings");
        }

        public static Settings defaults() { return new Settings(0.4, 24, 4, 64, 0.93, 7); }
    }

    private final Settings settings;
    private final AdaptiveDraftExit exit;
    private final SplittableRandom random;
    private final int layers;
    private SelfSpeculativeDrafter current;
    private int rounds, trials, accepted;
    private double currentScore = Double.NaN;
    private boolean done;

    public OnlineSkipDrafter(int layers, Settings settings, AdaptiveDraftExit exit) {
        this.layers = layers;
        this.settings = settings;
        this.exit = exit;
        this.random = new SplittableRandom(settings.seed());
        this.current = new SelfSpeculativeDrafter(initial(layers, settings.skipRatio()), exit);
    }

    @Override public String name() { return "online"; }

    public synchronized SkipSet skipSet() { return current.skipSet(); }
    public synchronized int trials() { return trials; }
    public synchronized int improvements() { return accepted; }
    public synchronized double agreement() { return currentScore; }

    @Override
    public synchronized Draft propose(Session session, int lastToken, int maxTokens, Sampler sampler) {
        int length = session.cache().length();
        boolean room = length > settings.window() + 1 && length + settings.window() + maxTokens + 1 <= session.contextSize();
        if (!done && ++rounds % settings.roundsPerTrial() == 0 && room) trial(session);
        return current.propose(session, lastToken, maxTokens, sampler);
    }

    @Override
    public synchronized void observe(Draft draft, int acceptedTokens) { current.observe(draft, acceptedTokens); }

    /** One trial: score the current set and a candidate on the same recent window, keep the better. */
    private void trial(Session session) {
        SkipSet candidate = candidate(current.skipSet());
        double mine = agreement(session, current.skipSet());
        double theirs = agreement(session, candidate);
        trials++;
        currentScore = mine;
        if (theirs > mine) {
            current = new SelfSpeculativeDrafter(candidate, exit);
            currentScore = theirs;
            accepted++;
        }
        if (currentScore >= settings.targetAgreement() || trials >= settings.maxTrials()) done = true;
    }

    /**
     * Fraction of the last {@code window - 1} decided tokens that the draft with {@code skip} predicts (argmax), reading
     * the window with the cache cut just before it. The cache is left as it was.
     */
    double agreement(Session session, SkipSet skip) {
        int length = session.cache().length(), w = settings.window(), start = length - w;
        int[] tokens = new int[w];
        for (int i = 0; i < w; i++) tokens[i] = session.cache().tokenAt(start + i);
        Batch b = Batch.causal(tokens, start).withSkip(skip).withVisiblePrefix(start).withOutputRows(Batch.range(0, w - 1));
        ForwardResult r = session.forward(b);
        session.cache().truncate(length);
        int hits = 0;
        for (int i = 0; i < w - 1; i++) if (r.argmax(i) == tokens[i + 1]) hits++;
        return (double) hits / (w - 1);
    }

    /** Usually a swap (one skipped sublayer for one kept), sometimes a fresh random set of the same size. */
    SkipSet candidate(SkipSet from) {
        if (random.nextInt(4) == 0) return randomSet(layers, settings.skipRatio(), random);
        boolean[] a = new boolean[layers], m = new boolean[layers];
        List<Integer> on = new ArrayList<>(), off = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            a[l] = from.skipAttention(l);
            m[l] = from.skipMlp(l);
        }
        for (int i = 0; i < 2 * layers; i++) ((i < layers ? a[i] : m[i - layers]) ? on : off).add(i);
        if (on.isEmpty() || off.isEmpty()) return randomSet(layers, settings.skipRatio(), random);
        int out = on.get(random.nextInt(on.size())), in = off.get(random.nextInt(off.size()));
        set(a, m, out, false);
        set(a, m, in, true);
        return new SkipSet(a, m);
    }

    private void set(boolean[] a, boolean[] m, int i, boolean v) {
        if (i < layers) a[i] = v; else m[i - layers] = v;
    }

    /** The starting point: attention of every other inner layer, then more attention, as many as the ratio asks. */
    static SkipSet initial(int layers, double ratio) {
        int count = Math.max(1, (int) Math.round(ratio * 2 * layers));
        boolean[] a = new boolean[layers], m = new boolean[layers];
        List<Integer> order = new ArrayList<>();
        for (int l = 1; l < layers - 1; l += 2) order.add(l);            // attention of odd inner layers
        for (int l = 2; l < layers - 1; l += 2) order.add(l);            // then even inner layers
        for (int l = 1; l < layers - 1; l += 2) order.add(layers + l);   // then MLPs of odd inner layers
        for (int l = 2; l < layers - 1; l += 2) order.add(layers + l);
        order.add(0);
        order.add(layers - 1);
        for (int i = 0; i < Math.min(count, order.size()); i++) {
            int s = order.get(i);
            if (s < layers) a[s] = true; else m[s - layers] = true;
        }
        return new SkipSet(a, m);
    }

    static SkipSet randomSet(int layers, double ratio, SplittableRandom random) {
        int count = Math.max(1, (int) Math.round(ratio * 2 * layers));
        boolean[] a = new boolean[layers], m = new boolean[layers];
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < 2 * layers; i++) all.add(i);
        for (int k = 0; k < count; k++) {
            int s = all.remove(random.nextInt(all.size()));
            if (s < layers) a[s] = true; else m[s - layers] = true;
        }
        return new SkipSet(a, m);
    }
}

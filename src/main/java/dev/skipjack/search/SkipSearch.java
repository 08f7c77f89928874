package dev.skipjack.search;

import dev.skipjack.model.SkipSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Bayesian optimisation of the skip set (Draft &amp; Verify): the 2L attention/MLP choices are a binary vector, a
 * {@link GaussianProcess} models measured decoding speed over it, and each iteration measures the candidate with
 * the highest upper confidence bound (mean + kappa * std). It starts from a few structured sets (skip every other
 * attention, the second half's attention, ...) and stops at the iteration or time budget, or when the best speed
 * has not improved by 1% for {@code patience} iterations.
 */
public final class SkipSearch {
    /** What the objective measured for one skip set; {@code tokensPerSecond} is maximised. */
    public record Measurement(double tokensPerSecond, double acceptance, double tau) {}

    /** Measures a skip set (e.g. by decoding calibration prompts). */
    @FunctionalInterface
    public interface Objective { Measurement measure(SkipSet skip); }

    /** One measured point; {@code origin} says why it was tried ("seed", "bo"). */
    public record Evaluation(int iteration, SkipSet skip, Measurement measurement, String origin) {}

    public record Settings(int maxIterations, double budgetSeconds, int patience, double kappa, long seed, int candidates) {
        public Settings {
            if (maxIterations < 1) throw new IllegalArgumentException("iterations must be >= 1, got " + maxIterations);
            if (budgetSeconds <= 0) throw new IllegalArgumentException("budget must be positive, got " + budgetSeconds);
            if (patience < 0) throw new IllegalArgumentException("patience must be >= 0");
        }

        public static Settings defaults() { return new Settings(40, Double.MAX_VALUE, 12, 2.0, 42, 400); }
    }

    private final int layers;
    private final Settings settings;
    private final Objective objective;
    private final List<Evaluation> history = new ArrayList<>();
    private final Set<SkipSet> seen = new HashSet<>();
    private final SplittableRandom random;

    public SkipSearch(int layers, Settings settings, Objective objective, List<Evaluation> previous) {
        if (layers < 1) throw new IllegalArgumentException("layers must be >= 1");
        this.layers = layers;
        this.settings = settings;
        this.objective = objective;
        this.random = new SplittableRandom(settings.seed() + previous.size());
        for (Evaluation e : previous) {
            if (e.skip().layers() != layers) throw new IllegalArgumentException("previous evaluations are for " + e.skip().layers() + " layers");
            history.add(e);
            seen.add(e.skip());
        }
    }

    public List<Evaluation> history() { return List.copyOf(history); }

    public Evaluation best() {
        return history.stream().max(Comparator.comparingDouble(e -> e.measurement().tokensPerSecond())).orElse(null);
    }

    /** Runs until a stopping rule fires; {@code progress} sees every new evaluation. */
    public Evaluation run(Consumer<Evaluation> progress) {
        long start = System.nanoTime();
        int sinceImprovement = 0;
        double bestSpeed = best() == null ? Double.NEGATIVE_INFINITY : best().measurement().tokensPerSecond();
        List<SkipSet> seeds = new ArrayList<>(structuredSeeds(layers));
        seeds.removeIf(seen::contains);
        while (history.size() < settings.maxIterations()) {
            if ((System.nanoTime() - start) / 1e9 >= settings.budgetSeconds()) break;
            SkipSet next;
            String origin;
            if (!seeds.isEmpty()) {
                next = seeds.remove(0);
                origin = "seed";
            } else {
                next = propose();
                origin = "bo";
                if (next == null) break; // search space exhausted
            }
            Measurement m = objective.measure(next);
            Evaluation e = new Evaluation(history.size() + 1, next, m, origin);
            history.add(e);
            seen.add(next);
            if (m.tokensPerSecond() > bestSpeed * 1.01) {
                sinceImprovement = 0;
            } else {
                sinceImprovement++;
            }
            bestSpeed = Math.max(bestSpeed, m.tokensPerSecond());
            progress.accept(e);
            if (settings.patience() > 0 && seeds.isEmpty() && sinceImprovement >= settings.patience()) break;
        }
        return best();
    }

    /** The unseen candidate with the highest UCB under a GP fitted to everything measured so far. */
    SkipSet propose() {
        int n = history.size();
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = encode(history.get(i).skip());
            y[i] = history.get(i).measurement().tokensPerSecond();
        }
        GaussianProcess gp = new GaussianProcess(1e-2);
        gp.fit(x, y);
        SkipSet best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (SkipSet c : candidates()) {
            if (seen.contains(c)) continue;
            double[] p = gp.predict(encode(c));
            double ucb = p[0] + settings.kappa() * p[1];
            if (ucb > bestScore) {
                bestScore = ucb;
                best = c;
            }
        }
        return best;
    }

    /** Random sets of varied density, plus one- and two-bit changes of the best sets found so far. */
    private List<SkipSet> candidates() {
        List<SkipSet> out = new ArrayList<>();
        for (int i = 0; i < settings.candidates(); i++) {
            double pa = 0.1 + 0.6 * random.nextDouble(), pm = 0.5 * random.nextDouble();
            boolean[] a = new boolean[layers], m = new boolean[layers];
            for (int l = 0; l < layers; l++) {
                a[l] = random.nextDouble() < pa;
                m[l] = random.nextDouble() < pm;
            }
            out.add(new SkipSet(a, m));
        }
        List<Evaluation> top = new ArrayList<>(history);
        top.sort(Comparator.comparingDouble((Evaluation e) -> -e.measurement().tokensPerSecond()));
        for (Evaluation e : top.subList(0, Math.min(5, top.size()))) {
            double[] v = encode(e.skip());
            for (int i = 0; i < v.length; i++) out.add(decode(flip(v, i)));
            for (int r = 0; r < 40; r++) {
                double[] w = flip(v, random.nextInt(v.length));
                out.add(decode(flip(w, random.nextInt(v.length))));
            }
        }
        return out;
    }

    private static double[] flip(double[] v, int i) {
        double[] w = v.clone();
        w[i] = 1 - w[i];
        return w;
    }

    /** [attn_0 .. attn_{L-1}, mlp_0 .. mlp_{L-1}] with 1 = skipped. */
    public static double[] encode(SkipSet s) {
        int l = s.layers();
        double[] v = new double[2 * l];
        for (int i = 0; i < l; i++) {
            v[i] = s.skipAttention(i) ? 1 : 0;
            v[l + i] = s.skipMlp(i) ? 1 : 0;
        }
        return v;
    }

    public SkipSet decode(double[] v) {
        boolean[] a = new boolean[layers], m = new boolean[layers];
        for (int i = 0; i < layers; i++) {
            a[i] = v[i] > 0.5;
            m[i] = v[layers + i] > 0.5;
        }
        return new SkipSet(a, m);
    }

    /**
     * Hand-picked starting points in the spirit of the paper's seeds. The first and last layers are kept: skipping
     * them hurts acceptance most.
     */
    public static List<SkipSet> structuredSeeds(int layers) {
        List<SkipSet> out = new ArrayList<>();
        if (layers < 3) {
            out.add(SkipSet.of(layers, new int[]{0}, new int[0]));
            return out;
        }
        boolean[] none = new boolean[layers];
        boolean[] odd = new boolean[layers], secondHalf = new boolean[layers], middle = new boolean[layers], quarter = new boolean[layers];
        for (int l = 1; l < layers - 1; l++) {
            odd[l] = l % 2 == 1;
            secondHalf[l] = l >= layers / 2;
            middle[l] = l >= layers / 4 && l < layers - layers / 4;
            quarter[l] = l % 4 == 2;
        }
        out.add(new SkipSet(odd, none));          // every other attention sublayer
        out.add(new SkipSet(secondHalf, none));   // attention of the second half
        out.add(new SkipSet(odd, quarter));       // every other attention, every fourth MLP
        out.add(new SkipSet(middle, none));       // attention of the middle layers
        out.add(new SkipSet(quarter, quarter));   // a light set: both sublayers of every fourth layer
        out.removeIf(SkipSet::isEmpty);
        return out.stream().distinct().toList();
    }
}

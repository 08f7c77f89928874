package dev.skipjack.bench;

import dev.skipjack.gguf.GgufFile;
import dev.skipjack.model.Batch;
import dev.skipjack.model.Session;
import dev.skipjack.model.Transformer;
import dev.skipjack.tensor.Parallel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times forward passes of k new tokens on top of a prefilled context, as speculative verification does:
 * T(k) is the median wall time of one {@code Session.forward(Batch.causal(k tokens))} followed by rolling the
 * cache back. Decode speed is 1 / T(1).
 *
 * <pre>java -cp ... dev.skipjack.bench.DecodeBench MODEL.gguf [threads=2] [context=512] [reps=7] [ks=1,2,4,8,16,32]</pre>
 */
public final class DecodeBench {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int context = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        int[] ks = args.length > 4 ? Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray() : new int[]{1, 2, 4, 8, 16, 32};
        try (GgufFile f = GgufFile.open(model, !Boolean.getBoolean("mapped")); Parallel pool = new Parallel(threads)) {
            Transformer m = new Transformer(f, pool);
            int vocab = m.config().vocabSize();
            int maxK = Arrays.stream(ks).max().orElse(1);
            Session s = m.newSession(context + maxK);
            SplittableRandom rnd = new SplittableRandom(7);
            long t0 = System.nanoTime();
            for (int pos = 0; pos < context; pos += 64) {
                int len = Math.min(64, context - pos);
                int[] toks = new int[len];
                for (int i = 0; i < len; i++) toks[i] = rnd.nextInt(vocab);
                s.forward(Batch.lastOnly(toks, pos));
            }
            double prefill = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%s threads=%d context=%d prefill %.1f s (%.1f tok/s)%n", model.getFileName(), threads, context,
                    prefill, context / prefill);
            // warm-up until the JIT settles: the single-token path (fused kernels) separately from the batched one
            for (int k : ks) for (int w = 0; w < Math.max(3, 40 / k); w++) run(s, context, k, vocab, rnd);
            // -Djfr=FILE records a profile of the timed part only (not the prefill)
            jdk.jfr.Recording rec = null;
            if (System.getProperty("jfr") != null) {
                rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                rec.start();
            }
            java.util.Map<String, Long> cpu0 = threadCpu();
            long wall0 = System.nanoTime();
            double t1 = 0;
            StringBuilder sb = new StringBuilder();
            for (int k : ks) {
                double[] t = new double[reps];
                for (int r = 0; r < reps; r++) t[r] = run(s, context, k, vocab, rnd);
                Arrays.sort(t);
                double med = t[reps / 2];
                if (k == 1) t1 = med;
                System.out.printf("k=%2d  T=%8.2f ms  (min %.2f)  %s%n", k, med * 1e3, t[0] * 1e3,
                        k == 1 ? String.format("decode %.2f tok/s", 1 / med) : String.format("T(k)/T(1) = %.2f", med / t1));
                sb.append(k == 1 ? String.format("%.2f tok/s", 1 / med) : String.format(" %d:%.2f", k, med / t1));
            }
            java.util.Map<String, Long> cpu1 = threadCpu();
            StringBuilder cs = new StringBuilder("CPU ms (wall " + (System.nanoTime() - wall0) / 1000000 + "):");
            cpu1.forEach((n, c) -> { long d = c - cpu0.getOrDefault(n, 0L); if (d > 5_000_000) cs.append(" ").append(n).append("=").append(d / 1000000); });
            System.out.println(cs);
            if (rec != null) {
                rec.stop();
                rec.dump(Path.of(System.getProperty("jfr")));
            }
            System.out.println("SUMMARY " + model.getFileName() + " " + sb);
        }
    }

    private static java.util.Map<String, Long> threadCpu() {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        for (long id : mx.getAllThreadIds()) {
            var info = mx.getThreadInfo(id);
            if (info != null) m.merge(info.getThreadName(), mx.getThreadCpuTime(id), Long::sum);
        }
        return m;
    }

    private static double run(Session s, int context, int k, int vocab, SplittableRandom rnd) {
        int[] toks = new int[k];
        for (int i = 0; i < k; i++) toks[i] = rnd.nextInt(vocab);
        Batch b = Batch.causal(toks, context);
        long t0 = System.nanoTime();
        s.forward(b);
        long t = System.nanoTime() - t0;
        s.cache().truncate(context);
        return t / 1e9;
    }
}

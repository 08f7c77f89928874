package dev.skipjack.bench;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.tensor.Parallel;
import dev.skipjack.tensor.WeightTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Quick matmul timing without a model file: a random {@code rows x cols} tensor of each type (weights from
 * {@link BenchModels#random}), timed for batch sizes n; prints ms per call, weight GB/s and T(n)/T(1).
 *
 * <pre>java -cp ... dev.skipjack.bench.MatmulSpeed [rows=8192] [cols=2048] [threads=2] [types=BF16,Q8_0] [ns=1,2,4,8,16]</pre>
 */
public final class MatmulSpeed {
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 8192;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        String[] types = args.length > 3 ? args[3].split(",") : new String[]{"BF16", "Q8_0"};
        int[] ns = args.length > 4 ? Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray() : new int[]{1, 2, 4, 8, 16};
        try (Parallel pool = new Parallel(threads)) {
            for (String tn : types) {
                if (tn.contains(".gguf:")) { // FILE.gguf:TENSOR — time a tensor of a model file instead of random data
                    String[] ft = tn.split(":");
                    dev.skipjack.gguf.GgufFile f = dev.skipjack.gguf.GgufFile.open(java.nio.file.Path.of(ft[0]));
                    WeightTensor w = WeightTensor.of(f.requireTensor(ft[1]));
                    time(new WeightTensor[]{w}, w.type(), w.rows(), w.cols(), ns, pool, threads);
                    continue;
                }
                GgmlType type = GgmlType.valueOf(tn);
                // several copies so that the weights do not sit in the caches (like a model's layers)
                int copies = (int) Math.max(1, (Long.getLong("bench.bytes", 1L << 30)) / type.byteSize((long) rows * cols));
                WeightTensor[] ws = new WeightTensor[copies];
                for (int i = 0; i < copies; i++) {
                    byte[] bytes = BenchModels.random(type, (long) rows * cols, 11 + i);
                    MemorySegment seg = Arena.ofAuto().allocate(bytes.length, 64);
                    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
                    ws[i] = WeightTensor.of(new TensorInfo("w" + i, new long[]{cols, rows}, type, 0, seg));
                }
                time(ws, type, rows, cols, ns, pool, threads);
            }
        }
    }

    private static void time(WeightTensor[] ws, GgmlType type, int rows, int cols, int[] ns, Parallel pool, int threads) {
        int copies = ws.length;
        int maxN = Arrays.stream(ns).max().orElse(1);
        float[] x = new float[maxN * cols];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] out = new float[maxN * rows];
        double t1 = 0;
        for (int n : ns) {
            int calls = Math.max(copies * 4, (int) (2e9 / ((double) rows * cols * Math.max(1, n / 4.0))));
            for (int i = 0; i < calls; i++) ws[i % copies].matmul(x, n, out, pool); // warm-up
            double[] reps = new double[5];
            for (int rep = 0; rep < reps.length; rep++) {
                // one thread: CPU time of this thread, immune to sharing the core with other processes
                long t0 = threads == 1 ? MX.getCurrentThreadCpuTime() : System.nanoTime();
                for (int i = 0; i < calls; i++) ws[i % copies].matmul(x, n, out, pool);
                long t = (threads == 1 ? MX.getCurrentThreadCpuTime() : System.nanoTime()) - t0;
                reps[rep] = t / 1e6 / calls;
            }
            Arrays.sort(reps);
            double ms = reps[0]; // min: the machine is shared and noisy
            if (n == 1) t1 = ms;
            double gbs = type.byteSize((long) rows * cols) / (ms * 1e6);
            System.out.printf("%-5s %5dx%-5d n=%2d  %8.3f ms  %6.2f GB/s  %6.2f GFLOP/s  T(n)/T(1)=%.2f%n", type, rows, cols, n,
                    ms, gbs, 2.0 * rows * cols * n / (ms * 1e6), t1 > 0 ? ms / t1 : Double.NaN);
        }
    }
}

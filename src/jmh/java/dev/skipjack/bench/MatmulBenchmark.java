package dev.skipjack.bench;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.tensor.Parallel;
import dev.skipjack.tensor.WeightTensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * JMH view of {@link WeightTensor#matmul}: a {@code rows x cols} matrix per type times n inputs, round-robin over
 * eight copies so that the weights come from memory, as a model's layers do.
 * <pre>java --add-modules jdk.incubator.vector -cp 'target/bench/classes:target/bench/lib/*' org.openjdk.jmh.Main MatmulBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0"}) // as the launcher runs
public class MatmulBenchmark {
    @Param({"BF16", "Q8_0", "Q4_K", "Q6_K"}) public String type;
    @Param({"1", "2", "4", "8"}) public int n;
    @Param({"8192"}) public int rows;
    @Param({"2048"}) public int cols;
    @Param({"2"}) public int threads;

    private WeightTensor[] ws;
    private float[] x, out;
    private Parallel pool;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        GgmlType t = GgmlType.valueOf(type);
        ws = new WeightTensor[8];
        for (int i = 0; i < ws.length; i++) {
            byte[] bytes = BenchModels.random(t, (long) rows * cols, 5 + i);
            MemorySegment seg = Arena.ofAuto().allocate(bytes.length, 64);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
            ws[i] = WeightTensor.of(new TensorInfo("w" + i, new long[]{cols, rows}, t, 0, seg));
        }
        SplittableRandom r = new SplittableRandom(1);
        x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        out = new float[n * rows];
        pool = new Parallel(threads);
    }

    @TearDown(Level.Trial)
    public void close() { pool.close(); }

    @Benchmark
    public float[] matmul() {
        WeightTensor w = ws[next++ & 7];
        w.matmul(x, n, out, pool);
        return out;
    }
}

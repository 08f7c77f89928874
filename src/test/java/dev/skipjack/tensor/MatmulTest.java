package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.tensor.quant.Quantizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WeightTensor.matmul for every type: accuracy against double precision, batch and thread invariance. */
class MatmulTest {
    private static Parallel pool1, pool2, pool3;

    @BeforeAll
    static void pools() { pool1 = new Parallel(1); pool2 = new Parallel(2); pool3 = new Parallel(3); }

    @AfterAll
    static void close() { pool1.close(); pool2.close(); pool3.close(); }

    @ParameterizedTest(name = "{0} rows={1} cols={2}")
    @CsvSource({
            "F32, 37, 37", "F32, 37, 512", "F16, 37, 19", "F16, 40, 256", "BF16, 37, 45", "BF16, 33, 512",
            "Q8_0, 37, 160", "Q8_0, 16, 512", "Q4_0, 37, 96", "Q4_1, 37, 224",
            "Q4_K, 37, 512", "Q5_K, 37, 256", "Q6_K, 37, 768", "Q6_K, 1, 256"})
    void matmul(GgmlType type, int rows, int cols) {
        int n = 7;
        float[] wf = TensorTestSupport.weights(rows * 31L + cols, rows * cols, 0.05f);
        WeightTensor w = TensorTestSupport.tensor("w", type, rows, cols, Quantizer.quantize(type, wf));
        assertEquals(rows, w.rows());
        assertEquals(cols, w.cols());
        float[] x = TensorTestSupport.weights(99, n * cols, 1f);
        float[] out = new float[n * rows];
        w.matmul(x, n, out, pool2);

        // double-precision reference on the dequantized weights
        float[] W = w.toFloatArray();
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                double s = 0, mag = 0;
                for (int c = 0; c < cols; c++) {
                    double p = (double) W[r * cols + c] * x[t * cols + c];
                    s += p;
                    mag += Math.abs(p);
                }
                float got = out[t * rows + r];
                assertTrue(Math.abs(got - s) <= 1e-5 * mag + 1e-30,
                        type + " token " + t + " row " + r + ": " + got + " vs " + s);
            }
        }

        // batch invariance: each token alone gives the very same bits as inside the batch of 7
        for (int t = 0; t < n; t++) {
            float[] one = new float[rows];
            w.matmul(Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one, pool2);
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(out[t * rows + r]), Float.floatToRawIntBits(one[r]),
                        type + " token " + t + " row " + r + " differs between n=1 and n=" + n);
            }
        }

        // thread invariance
        float[] o1 = new float[n * rows], o3 = new float[n * rows];
        w.matmul(x, n, o1, pool1);
        w.matmul(x, n, o3, pool3);
        assertEquals(Arrays.toString(out), Arrays.toString(o1), "1 thread vs 2");
        assertEquals(Arrays.toString(out), Arrays.toString(o3), "3 threads vs 2");
    }
}

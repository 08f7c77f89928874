package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The vector kernels against the scalar reference, bit for bit: {@link WeightTensor#decodeSpan} equals
 * {@link WeightTensor#dequantizeRowScalar} (whole rows and K blocks), and matmul of any batch size and thread count
 * equals {@link VectorMath#chainDot} of each scalar-decoded row with each input. Weights are random bytes (so every code,
 * scale and special value occurs) with block scales kept finite for the matmul checks.
 */
class KernelsTest {
    private static Parallel pool1, pool2, pool3;

    @BeforeAll
    static void pools() { pool1 = new Parallel(1); pool2 = new Parallel(2); pool3 = new Parallel(3); }

    @AfterAll
    static void close() { pool1.close(); pool2.close(); pool3.close(); }

    @Test
    void halfConversionIsExactForAllBitPatterns() {
        assumeSimd();
        MemorySegment s = allHalves();
        float[] vector = new float[65536];
        for (int i = 0; i < 65536; i += Simd.L) Simd.f16(s, 2L * i).intoArray(vector, i);
        for (int i = 0; i < 65536; i++) {
            assertSameBits(Float.float16ToFloat((short) i), vector[i], "Simd.f16 0x" + Integer.toHexString(i));
        }
        F16Tensor t = new F16Tensor("halves", 1, 65536, s);
        float[] got = new float[65536];
        // repeated so that the loop runs compiled too (C2 vectorizes it into vcvtph2ps)
        for (int rep = 0; rep < 40; rep++) {
            t.decodeSpan(0, 0, 65536, got, 0);
            for (int i = 0; i < 65536; i++) {
                float want = Float.float16ToFloat((short) i);
                if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got[i])) {
                    assertSameBits(want, got[i], "f16 0x" + Integer.toHexString(i) + " in repetition " + rep);
                }
            }
        }
    }

    /**
     * Attention's weighted sum against a plain per-element loop (fused multiply-adds where whole vector chunks are: in
     * chunks of 4L two sums, over even and odd t, added at the end; a rounded product and add in the tail), over head sizes
     * with and without a tail, NaN weights skipped.
     */
    @Test
    void weightedSumMatchesPerElementReference() {
        Random r = new Random(5);
        for (int len : new int[]{5, 16, 37, 64, 100, 128}) {
            int count = 1 + r.nextInt(300), stride = len + 7, off = 3;
            float[] w = new float[count], rows = new float[count * stride + off + len];
            for (int t = 0; t < count; t++) w[t] = t % 7 == 3 ? Float.NaN : r.nextFloat();
            for (int i = 0; i < rows.length; i++) rows[i] = (float) r.nextGaussian();
            float scale = 1f / 3f;
            float[] got = new float[len + 4];
            VectorMath.weightedSum(w, count, scale, rows, off, stride, got, 4, len);
            int vector = len - len % VectorMath.L, paired = len - len % (4 * VectorMath.L);
            for (int c = 0; c < len; c++) {
                float even = 0f, odd = 0f;
                for (int t = 0; t < count; t++) {
                    if (Float.isNaN(w[t])) continue;
                    float a = w[t] * scale, x = rows[t * stride + off + c];
                    if (c < paired && t % 2 == 1) odd = Math.fma(x, a, odd);
                    else even = c < vector ? Math.fma(x, a, even) : even + a * x;
                }
                assertSameBits(c < paired ? even + odd : even, got[4 + c], "len " + len + " element " + c);
            }
        }
    }

    /**
     * Attention scores from the blocked key layout against one fused multiply-add chain per slot written out plainly, for
     * slot counts around the vector and block sizes and a query reading the second of three key heads.
     */
    @Test
    void keyScoresMatchOneChainPerSlot() {
        Random r = new Random(6);
        int hd = 64, kvDim = 3 * hd, ko = hd;
        for (int count : new int[]{1, 7, 16, 17, 100, 128, 129, 300}) {
            int slots = Math.ceilDiv(count, VectorMath.KEY_BLOCK) * VectorMath.KEY_BLOCK;
            float[] keyRows = new float[slots * kvDim], keys = new float[slots * kvDim], q = new float[2 + hd];
            for (int i = 0; i < keyRows.length; i++) keyRows[i] = (float) r.nextGaussian();
            for (int t = 0; t < slots; t++) {
                for (int c = 0; c < kvDim; c++) keys[VectorMath.keyIndex(t, c, kvDim)] = keyRows[t * kvDim + c];
            }
            for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
            float scale = 0.125f;
            float[] got = new float[VectorMath.roundUpToVector(count)];
            VectorMath.keyScores(q, 2, keys, ko, kvDim, hd, count, scale, got);
            for (int t = 0; t < count; t++) {
                float want = 0f;
                for (int d = 0; d < hd; d++) want = Math.fma(q[2 + d], keyRows[t * kvDim + ko + d], want);
                assertSameBits(want * scale, got[t], "count " + count + " slot " + t);
            }
        }
    }

    /**
     * The vector exp of the attention softmax against {@link Math#exp}: every float in [-87.3, 0] 997 apart in bits, within
     * 2 ulps; NaN stays NaN, underflow and -inf give 0; and the same bits interpreted and compiled (repetitions).
     */
    @Test
    void vectorExpIsWithinTwoUlpsOfMathExp() {
        long first0 = 0x80000000L, last = Float.floatToRawIntBits(-87.3f) & 0xFFFFFFFFL, step = 997; // -0 .. -87.3
        int count = 0;
        float[] xs = new float[VectorMath.roundUpToVector((int) ((last - first0) / step) + 8)];
        for (long bits = first0; bits <= last; bits += step) xs[count++] = Float.intBitsToFloat((int) bits);
        xs[count++] = Float.NaN;
        xs[count++] = Float.NEGATIVE_INFINITY;
        xs[count++] = -100f;
        xs[count++] = 0f;
        float[] first = null;
        for (int rep = 0; rep < 30; rep++) {
            float[] got = new float[xs.length];
            for (int t = 0; t < xs.length; t += VectorMath.L) {
                VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(VectorMath.F, xs, t)).intoArray(got, t);
            }
            if (first == null) first = got;
            else assertArrayEquals(first, got, "repetition " + rep);
        }
        for (int t = 0; t < count; t++) {
            float x = xs[t], want = (float) Math.exp(x);
            if (Float.isNaN(x)) assertTrue(Float.isNaN(first[t]));
            else if (x < -87.3f) assertEquals(0f, first[t], "exp(" + x + ")");
            else assertEquals(want, first[t], 2 * Math.ulp(want), "exp(" + x + ")");
        }
    }

    @Test
    void bfloatConversionIsExactForAllBitPatterns() {
        assumeSimd();
        MemorySegment s = allHalves();
        float[] got = new float[65536];
        for (int i = 0; i < 65536; i += Simd.L) Simd.bf16(s, 2L * i).intoArray(got, i);
        for (int i = 0; i < 65536; i++) assertSameBits(Float.intBitsToFloat(i << 16), got[i], "bf16 0x" + Integer.toHexString(i));
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2}")
    @CsvSource({
            "F32, 5, 1", "F32, 37, 63", "F32, 17, 64", "F32, 3, 200", "F32, 16, 1000",
            "F16, 5, 7", "F16, 37, 65", "F16, 9, 128", "F16, 33, 300", "F16, 7, 1100",
            "BF16, 5, 15", "BF16, 37, 17", "BF16, 18, 130", "BF16, 33, 576",
            "Q8_0, 37, 32", "Q8_0, 17, 96", "Q8_0, 33, 160", "Q8_0, 5, 576",
            "Q4_0, 37, 32", "Q4_0, 19, 96", "Q4_0, 16, 224", "Q4_0, 5, 1056",
            "Q4_1, 37, 64", "Q4_1, 21, 96", "Q4_1, 3, 288", "Q4_1, 6, 640",
            "Q4_K, 37, 256", "Q4_K, 17, 768", "Q5_K, 37, 256", "Q5_K, 9, 512",
            "Q6_K, 37, 256", "Q6_K, 1, 256", "Q6_K, 20, 1280"})
    void vectorKernelsMatchScalarReference(GgmlType type, int rows, int cols) {
        assumeSimd();
        byte[] bytes = randomBlocks(type, rows, cols, rows * 1000L + cols);
        for (WeightTensor w : new WeightTensor[]{
                TensorTestSupport.tensor("w", type, rows, cols, bytes),
                TensorTestSupport.heapTensor("w", type, rows, cols, bytes)}) {
            // decoding
            float[] ref = new float[rows * cols];
            for (int r = 0; r < rows; r++) w.dequantizeRowScalar(r, ref, r * cols);
            float[] all = new float[rows * cols + 3], spans = new float[rows * cols + 5];
            for (int r = 0; r < rows; r++) w.decodeSpan(r, 0, cols, all, 3 + r * cols);
            for (int r = rows - 1; r >= 0; r--) {
                for (int c0 = 0; c0 < cols; c0 += WeightTensor.KB) {
                    w.decodeSpan(r, c0, Math.min(WeightTensor.KB, cols - c0), spans, r * cols + 5 + c0);
                }
            }
            for (int i = 0; i < rows * cols; i++) {
                assertSameBits(ref[i], all[i + 3], type + " element " + i);
                assertSameBits(ref[i], spans[i + 5], type + " element " + i + " (K blocks)");
            }

            // matmul, every batch size and thread count, against dot of the scalar-decoded rows
            Random rnd = new Random(cols);
            for (int n : new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 18, 33, WeightTensor.INPUT_BLOCK + 7}) { // the last in two blocks
                float[] x = new float[n * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                float[] want = new float[n * rows];
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) want[t * rows + r] = VectorMath.chainDot(ref, r * cols, x, t * cols, cols);
                }
                for (Parallel pool : new Parallel[]{pool1, pool2, pool3}) {
                    for (boolean lookup : new boolean[]{false, true}) { // f16 scales converted, or looked up
                        w.setScaleLookup(lookup);
                        float[] out = new float[n * rows];
                        w.matmul(x, n, out, pool);
                        for (int i = 0; i < out.length; i++) {
                            assertSameBits(want[i], out[i], type + " n=" + n + " threads=" + pool.threads() + " lookup="
                                    + lookup + " token " + i / rows + " row " + i % rows);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"BF16", "Q8_0", "F32"})
    void groupedMatmulEqualsSeparateMatmuls(GgmlType type) {
        // q, k and v (or gate and up) share one parallel loop; rows counts that are not multiples of the loop's
        // alignment make chunks straddle the tensors' boundaries
        int cols = 96;
        WeightTensor a = TensorTestSupport.tensor("a", type, 37, cols, randomBlocks(type, 37, cols, 1));
        WeightTensor b = TensorTestSupport.tensor("b", type, 5, cols, randomBlocks(type, 5, cols, 2));
        WeightTensor c = TensorTestSupport.tensor("c", type, 18, cols, randomBlocks(type, 18, cols, 3));
        Random rnd = new Random(4);
        for (int n : new int[]{1, 3, 6, 11}) {
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            for (Parallel pool : new Parallel[]{pool1, pool2, pool3}) {
                float[] wa = new float[n * 37], wb = new float[n * 5], wc = new float[n * 18];
                a.matmul(x, n, wa, pool1);
                b.matmul(x, n, wb, pool1);
                c.matmul(x, n, wc, pool1);
                float[] ga = new float[n * 37], gb = new float[n * 5], gc = new float[n * 18];
                WeightTensor.matmul(x, n, pool, a, ga, b, gb, c, gc);
                float[] ha = new float[n * 37], hb = new float[n * 5];
                WeightTensor.matmul(x, n, pool, a, ha, b, hb, null, null);
                for (int i = 0; i < wa.length; i++) {
                    assertSameBits(wa[i], ga[i], type + " a " + i);
                    assertSameBits(wa[i], ha[i], type + " a " + i + " (pair)");
                }
                for (int i = 0; i < wb.length; i++) {
                    assertSameBits(wb[i], gb[i], type + " b " + i);
                    assertSameBits(wb[i], hb[i], type + " b " + i + " (pair)");
                }
                for (int i = 0; i < wc.length; i++) assertSameBits(wc[i], gc[i], type + " c " + i);
            }
        }
        WeightTensor other = TensorTestSupport.tensor("d", type, 4, 2 * cols, randomBlocks(type, 4, 2 * cols, 5));
        assertThrows(IllegalArgumentException.class,
                () -> WeightTensor.matmul(new float[2 * cols], 1, pool1, a, new float[37], other, new float[4], null, null));
    }

    @Test
    void publicDecodeUsesTheVectorPathAndAgrees() {
        byte[] bytes = randomBlocks(GgmlType.Q6_K, 3, 512, 5);
        WeightTensor w = TensorTestSupport.tensor("w", GgmlType.Q6_K, 3, 512, bytes);
        float[] a = new float[512], b = new float[512];
        w.dequantizeRow(2, a, 0);
        w.dequantizeRowScalar(2, b, 0);
        for (int i = 0; i < 512; i++) assertSameBits(b[i], a[i], "element " + i);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private static void assumeSimd() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.ENABLED, "vector kernels disabled for " + Simd.L + " float lanes");
    }

    private static void assertSameBits(float want, float got, String what) {
        if (Float.isNaN(want) && Float.isNaN(got)) return; // NaN payloads may differ once arithmetic touched them
        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got)) fail(what + ": expected " + want + " got " + got);
    }

    private static MemorySegment allHalves() {
        MemorySegment s = Arena.ofAuto().allocate(2 * 65536, 64);
        for (int i = 0; i < 65536; i++) s.set(Bytes.SHORT, 2L * i, (short) i);
        return s;
    }

    /**
     * Random bytes in {@code type}'s layout. Float types get random bit patterns (of moderate exponent, so dots
     * stay finite); quantized types get random codes and scales with random signs and magnitudes, some subnormal.
     */
    static byte[] randomBlocks(GgmlType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        byte[] b = new byte[Math.toIntExact(type.byteSize((long) rows * cols))];
        rnd.nextBytes(b);
        int n = rows * cols;
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) putInt(b, 4 * i, Float.floatToRawIntBits((float) rnd.nextGaussian())); }
            case F16 -> { for (int i = 0; i < n; i++) putShort(b, 2 * i, randomHalf(rnd)); }
            case BF16 -> { for (int i = 0; i < n; i++) putShort(b, 2 * i, (short) (Float.floatToRawIntBits(randomFloat(rnd)) >>> 16)); }
            case Q8_0 -> { for (int p = 0; p < b.length; p += 34) putShort(b, p, randomHalf(rnd)); }
            case Q4_0 -> { for (int p = 0; p < b.length; p += 18) putShort(b, p, randomHalf(rnd)); }
            case Q4_1 -> { for (int p = 0; p < b.length; p += 20) { putShort(b, p, randomHalf(rnd)); putShort(b, p + 2, randomHalf(rnd)); } }
            case Q4_K -> { for (int p = 0; p < b.length; p += 144) { putShort(b, p, randomHalf(rnd)); putShort(b, p + 2, randomHalf(rnd)); } }
            case Q5_K -> { for (int p = 0; p < b.length; p += 176) { putShort(b, p, randomHalf(rnd)); putShort(b, p + 2, randomHalf(rnd)); } }
            case Q6_K -> { for (int p = 0; p < b.length; p += 210) putShort(b, p + 208, randomHalf(rnd)); }
            default -> throw new AssertionError(type);
        }
        return b;
    }

    /** A finite half with a random sign, mostly normal (2^-14..2^4), sometimes subnormal or zero. */
    private static short randomHalf(Random rnd) {
        int sign = rnd.nextBoolean() ? 0x8000 : 0;
        int r = rnd.nextInt(20);
        if (r == 0) return (short) (sign | rnd.nextInt(0x400)); // subnormal or zero
        return (short) (sign | (1 + rnd.nextInt(19)) << 10 | rnd.nextInt(0x400));
    }

    private static float randomFloat(Random rnd) {
        return (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(12) - 6));
    }

    private static void putShort(byte[] b, int o, short v) { b[o] = (byte) v; b[o + 1] = (byte) (v >> 8); }

    private static void putInt(byte[] b, int o, int v) { putShort(b, o, (short) v); putShort(b, o + 2, (short) (v >>> 16)); }
}

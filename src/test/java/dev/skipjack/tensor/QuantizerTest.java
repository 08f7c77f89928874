package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.tensor.quant.Quantizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.skipjack.tensor.TensorTestSupport.half;
import static dev.skipjack.tensor.TensorTestSupport.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Quantize -> dequantize round trips, exact reference behaviour on hand-made blocks, and llama.cpp files. */
class QuantizerTest {
    private static final GgmlType[] QUANTIZED = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    private static float[] roundTrip(GgmlType type, float[] x) {
        return Quantizer.dequantize(type, Quantizer.quantize(type, x), x.length);
    }

    /** Inputs that stress the scale choice: ordinary, tiny, huge, constant, all-zero, one-hot, one-signed. */
    private static List<float[]> inputs() {
        List<float[]> in = new ArrayList<>();
        in.add(TensorTestSupport.weights(1, 1024, 0.02f));
        in.add(TensorTestSupport.weights(2, 512, 1f));
        in.add(TensorTestSupport.weights(3, 512, 300f));
        in.add(TensorTestSupport.weights(4, 512, 1e-6f));      // block scales become half-precision subnormals
        in.add(new float[512]);
        float[] c = new float[512]; Arrays.fill(c, 0.75f); in.add(c);
        float[] n = new float[512]; Arrays.fill(n, -3.25f); in.add(n);
        float[] one = new float[512]; one[77] = -5f; one[300] = 2f; in.add(one);
        float[] pos = TensorTestSupport.weights(5, 512, 1f); for (int i = 0; i < pos.length; i++) pos[i] = Math.abs(pos[i]) + 0.5f; in.add(pos);
        float[] neg = TensorTestSupport.weights(6, 512, 1f); for (int i = 0; i < neg.length; i++) neg[i] = -Math.abs(neg[i]) - 2f; in.add(neg);
        float[] ramp = new float[512]; for (int i = 0; i < ramp.length; i++) ramp[i] = (i % 97) - 40.5f; in.add(ramp);
        return in;
    }

    // ---------------------------------------------------------------- float types

    @Test
    void f32IsBitExact() {
        float[] x = {1.5f, -0.0f, Float.MIN_VALUE, Float.intBitsToFloat(0x7FC00123), Float.NEGATIVE_INFINITY, 3e38f};
        byte[] b = Quantizer.quantize(GgmlType.F32, x);
        float[] y = Quantizer.dequantize(GgmlType.F32, b, x.length);
        for (int i = 0; i < x.length; i++) assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]));
        assertEquals(0x7FC00123, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(12));
    }

    @Test
    void f16RoundsToNearestEven() {
        float[] x = {1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 1f + 0x1p-11f + 0x1p-20f, -2.5f, 65504f, 65520f, 0x1p-25f, 0x1.8p-24f, -0.0f};
        int[] want = {0x3C00, 0x3C02, 0x3C01, 0xC100, 0x7BFF, 0x7C00, 0x0000, 0x0002, 0x8000};
        byte[] b = Quantizer.quantize(GgmlType.F16, x);
        for (int i = 0; i < x.length; i++) assertEquals(want[i], u16(b, 2 * i), "element " + i);
        float[] w = TensorTestSupport.weights(7, 4096, 1f);
        float[] y = roundTrip(GgmlType.F16, w);
        for (int i = 0; i < w.length; i++) {
            if (Math.abs(w[i]) >= 0x1p-14f) assertTrue(Math.abs(y[i] - w[i]) <= Math.abs(w[i]) * 0x1p-11f, "element " + i);
            assertEquals(Float.floatToFloat16(w[i]), (short) u16(Quantizer.quantize(GgmlType.F16, new float[]{w[i]}), 0));
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        float[] x = {Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0x3F808001),
                Float.intBitsToFloat(0x3F80FFFF), Float.MAX_VALUE, -0.0f, -1.5f, Float.intBitsToFloat(0x00018000)};
        int[] want = {0x3F80, 0x3F82, 0x3F81, 0x3F81, 0x7F80, 0x8000, 0xBFC0, 0x0002};
        byte[] b = Quantizer.quantize(GgmlType.BF16, x);
        for (int i = 0; i < x.length; i++) assertEquals(want[i], u16(b, 2 * i), "element " + i);
        float nan = Quantizer.dequantize(GgmlType.BF16, Quantizer.quantize(GgmlType.BF16, new float[]{Float.intBitsToFloat(0x7F800001)}), 1)[0];
        assertTrue(Float.isNaN(nan), "a NaN whose payload is only in the low bits must stay NaN");
        float[] w = TensorTestSupport.weights(8, 4096, 1f);
        float[] y = roundTrip(GgmlType.BF16, w);
        for (int i = 0; i < w.length; i++) assertTrue(Math.abs(y[i] - w[i]) <= Math.abs(w[i]) * 0x1p-8f, "element " + i);
    }

    // ---------------------------------------------------------------- reference semantics, hand-made blocks

    @Test
    void q8_0FollowsGgmlReference() {
        float[] x = new float[32];
        x[0] = -127f;                 // amax 127 -> d = 1 exactly
        x[1] = 2.5f; x[2] = -2.5f;    // roundf: halves go away from zero
        x[3] = 0.49f; x[4] = 126.5f; x[5] = -0.5f;
        byte[] b = Quantizer.quantize(GgmlType.Q8_0, x);
        assertEquals(0x3C00, u16(b, 0));
        assertEquals(-127, b[2]);
        assertEquals(3, b[3]);
        assertEquals(-3, b[4]);
        assertEquals(0, b[5]);
        assertEquals(127, b[6]);
        assertEquals(-1, b[7]);
        assertEquals(34, b.length);
    }

    @Test
    void q4_0FollowsGgmlReference() {
        float[] x = new float[32];
        x[3] = -16f;                  // largest magnitude, negative: d = -16 / -8 = 2, id = 0.5
        x[0] = 15.9f;                 // 7.95 + 8.5 = 16.45 -> 16 -> clamped to 15 -> decodes as 14
        x[1] = 3f;                    // 1.5 + 8.5 = 10
        x[2] = 2.9f;                  // 1.45 + 8.5 = 9.95 -> truncated to 9
        x[20] = -15f;                 // -7.5 + 8.5 = 1
        byte[] b = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(0x4000, u16(b, 0)); // 2.0
        assertEquals(15, b[2] & 0xF);
        assertEquals(10, b[3] & 0xF);
        assertEquals(9, b[4] & 0xF);
        assertEquals(0, b[5] & 0xF);
        assertEquals(8, b[6] & 0xF);      // zero -> 8
        assertEquals(1, (b[2 + 4] >> 4) & 0xF);
        float[] y = Quantizer.dequantize(GgmlType.Q4_0, b, 32);
        assertArrayEquals(new float[]{14f, 4f, 2f, -16f, 0f}, Arrays.copyOf(y, 5));
        assertEquals(-14f, y[20]);

        x[3] = 16f; x[0] = -15.9f;    // now the extreme value is positive: d = -2
        b = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(0xC000, u16(b, 0));
        y = Quantizer.dequantize(GgmlType.Q4_0, b, 32);
        assertEquals(16f, y[3]);
        assertEquals(-14f, y[0]);     // the opposite extreme is the clamped one
    }

    @Test
    void q4_1FollowsGgmlReference() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i % 16) - 1f;  // min -1, max 14 -> d = 1, m = -1
        x[7] = 0.49f;                                        // 1.49 + 0.5 -> 1
        x[8] = 0.5f;                                         // 1.5 + 0.5 = 2
        byte[] b = Quantizer.quantize(GgmlType.Q4_1, x);
        assertEquals(0x3C00, u16(b, 0));
        assertEquals(0xBC00, u16(b, 2));
        for (int i = 0; i < 16; i++) {
            int want = i == 7 ? 1 : i == 8 ? 2 : i;
            assertEquals(want, b[4 + i] & 0xF, "low nibble " + i);
            assertEquals(i, (b[4 + i] >> 4) & 0xF, "high nibble " + i);
        }
    }

    // ---------------------------------------------------------------- round-trip error bounds

    @Test
    void q8_0WithinHalfStep() {
        for (float[] x : inputs()) {
            byte[] b = Quantizer.quantize(GgmlType.Q8_0, x);
            float[] y = Quantizer.dequantize(GgmlType.Q8_0, b, x.length);
            for (int k = 0; k < x.length / 32; k++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * k + j]));
                double d = amax / 127f, dh = half(u16(b, 34 * k));
                double bound = d / 2 + 127 * Math.abs(d - dh) + 1e-6 * amax;
                for (int j = 0; j < 32; j++) {
                    int i = 32 * k + j;
                    assertTrue(Math.abs(x[i] - y[i]) <= bound, () -> "Q8_0 element " + i + ": " + x[i] + " -> " + y[i]);
                }
            }
        }
    }

    @Test
    void q4_0WithinHalfStepExceptClampedTop() {
        for (float[] x : inputs()) {
            byte[] b = Quantizer.quantize(GgmlType.Q4_0, x);
            float[] y = Quantizer.dequantize(GgmlType.Q4_0, b, x.length);
            for (int k = 0; k < x.length / 32; k++) {
                float amax = 0, max = 0;
                for (int j = 0; j < 32; j++) if (Math.abs(x[32 * k + j]) > amax) { amax = Math.abs(x[32 * k + j]); max = x[32 * k + j]; }
                double d = Math.abs(max / -8f), dh = Math.abs(half(u16(b, 18 * k)));
                for (int j = 0; j < 32; j++) {
                    int i = 32 * k + j;
                    // values within half a step of the far end (-max) are clamped from level 16 to 15: error up to d
                    boolean clamped = d > 0 && Math.signum(x[i]) == -Math.signum(max) && Math.abs(x[i]) >= 7.5 * d;
                    double bound = (clamped ? d : d / 2) + 8 * Math.abs(d - dh) + 1e-6 * amax;
                    assertTrue(Math.abs(x[i] - y[i]) <= bound, () -> "Q4_0 element " + i + ": " + x[i] + " -> " + y[i]);
                }
            }
        }
    }

    @Test
    void q4_1WithinHalfStep() {
        for (float[] x : inputs()) {
            byte[] b = Quantizer.quantize(GgmlType.Q4_1, x);
            float[] y = Quantizer.dequantize(GgmlType.Q4_1, b, x.length);
            for (int k = 0; k < x.length / 32; k++) {
                float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
                for (int j = 0; j < 32; j++) { lo = Math.min(lo, x[32 * k + j]); hi = Math.max(hi, x[32 * k + j]); }
                double d = (hi - lo) / 15f, dh = half(u16(b, 20 * k)), mh = half(u16(b, 20 * k + 2));
                double bound = d / 2 + 15 * Math.abs(d - dh) + Math.abs(lo - mh) + 1e-6 * Math.max(Math.abs(lo), Math.abs(hi));
                for (int j = 0; j < 32; j++) {
                    int i = 32 * k + j;
                    assertTrue(Math.abs(x[i] - y[i]) <= bound, () -> "Q4_1 element " + i + ": " + x[i] + " -> " + y[i]);
                }
            }
        }
    }

    /**
     * Q4_K / Q5_K: every element is within half of its sub-block's step {@code d*scale} (read back from the
     * block), and that step is no coarser than the sub-block's range needs (plus one unit of the 6-bit scale
     * grids).
     */
    @Test
    void q4_KAndQ5_KWithinHalfStep() {
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q5_K}) {
            int levels = type == GgmlType.Q4_K ? 15 : 31;
            for (float[] x : inputs()) {
                byte[] b = Quantizer.quantize(type, x);
                float[] y = Quantizer.dequantize(type, b, x.length);
                MemorySegment seg = MemorySegment.ofArray(b);
                for (int k = 0; k < x.length / 256; k++) {
                    int o = k * type.bytesPerBlock;
                    double d = half(u16(b, o)), dmin = half(u16(b, o + 2));
                    assertTrue(d >= 0 && dmin >= 0);
                    for (int j = 0; j < 8; j++) {
                        int sm = KQuants.scaleMin(seg, o + 4, j);
                        double step = d * (sm & 0xFF), off = dmin * (sm >>> 8);
                        float lo = 0, hi = -Float.MAX_VALUE, amax = 0;
                        for (int l = 0; l < 32; l++) {
                            float v = x[256 * k + 32 * j + l];
                            lo = Math.min(lo, v); hi = Math.max(hi, v); amax = Math.max(amax, Math.abs(v));
                        }
                        assertTrue(step <= (hi - lo + dmin) / levels + d + 1e-30, type + " step too coarse: " + step);
                        double bound = step / 2 + 1e-6 * (amax + off);
                        for (int l = 0; l < 32; l++) {
                            int i = 256 * k + 32 * j + l;
                            assertTrue(Math.abs(x[i] - y[i]) <= bound,
                                    () -> type + " element " + i + ": " + x[i] + " -> " + y[i] + " (bound " + bound + ")");
                        }
                    }
                }
            }
        }
    }

    @Test
    void q6_KWithinHalfStep() {
        for (float[] x : inputs()) {
            byte[] b = Quantizer.quantize(GgmlType.Q6_K, x);
            float[] y = Quantizer.dequantize(GgmlType.Q6_K, b, x.length);
            for (int k = 0; k < x.length / 256; k++) {
                int o = 210 * k;
                double d = half(u16(b, o + 208));
                for (int j = 0; j < 16; j++) {
                    double step = d * b[o + 192 + j];
                    float amax = 0;
                    for (int l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(x[256 * k + 16 * j + l]));
                    assertTrue(step >= 0 && step <= amax / 31 + d + 1e-30, "Q6_K step too coarse: " + step);
                    double bound = step / 2 + 1e-6 * amax;
                    for (int l = 0; l < 16; l++) {
                        int i = 256 * k + 16 * j + l;
                        assertTrue(Math.abs(x[i] - y[i]) <= bound, () -> "Q6_K element " + i + ": " + x[i] + " -> " + y[i]);
                    }
                }
            }
        }
    }

    /** Relative RMS error on Gaussian weights: more bits, less error; K-quants at least as good as Q4_0. */
    @Test
    void errorOrderingOnGaussianWeights() {
        float[] x = TensorTestSupport.weights(11, 256 * 64, 0.05f);
        double sq = 0;
        for (float v : x) sq += (double) v * v;
        double[] rel = new double[QUANTIZED.length];
        for (int t = 0; t < QUANTIZED.length; t++) {
            float[] y = roundTrip(QUANTIZED[t], x);
            double e = 0;
            for (int i = 0; i < x.length; i++) e += (double) (x[i] - y[i]) * (x[i] - y[i]);
            rel[t] = Math.sqrt(e / sq);
        }
        // order: Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K
        assertTrue(rel[0] < 0.01, "Q8_0 " + rel[0]);
        assertTrue(rel[1] < 0.15 && rel[2] < 0.15 && rel[3] < 0.15, Arrays.toString(rel));
        assertTrue(rel[3] <= rel[1] * 1.05, "Q4_K vs Q4_0 " + Arrays.toString(rel));
        assertTrue(rel[4] < rel[3] * 0.6, "Q5_K vs Q4_K " + Arrays.toString(rel));
        assertTrue(rel[5] < rel[4] * 0.6 && rel[5] > rel[0], "Q6_K " + Arrays.toString(rel));
    }

    @Test
    void referenceQuantizersAreIdempotent() {
        for (GgmlType type : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1}) {
            float[] x = TensorTestSupport.weights(12, 2048, 0.1f);
            byte[] once = Quantizer.quantize(type, x);
            byte[] twice = Quantizer.quantize(type, Quantizer.dequantize(type, once, x.length));
            assertArrayEquals(once, twice, type.toString());
        }
    }

    @Test
    void rowsQuantizeIndependently() {
        // quantizing a matrix at once equals quantizing row by row (blocks never straddle rows)
        for (GgmlType type : QUANTIZED) {
            int cols = 512, rows = 3;
            float[] x = TensorTestSupport.weights(13, rows * cols, 1f);
            byte[] all = Quantizer.quantize(type, x);
            int rb = (int) type.byteSize(cols);
            for (int r = 0; r < rows; r++) {
                byte[] row = Quantizer.quantize(type, Arrays.copyOfRange(x, r * cols, (r + 1) * cols));
                assertArrayEquals(row, Arrays.copyOfRange(all, r * rb, (r + 1) * rb), type + " row " + r);
            }
        }
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q8_0, new float[33]));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q4_K, new float[128]));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q5_0, new float[32]));
        float[] nan = new float[256];
        nan[3] = Float.NaN;
        for (GgmlType t : QUANTIZED) assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(t, nan), t.toString());
        float[] huge = new float[256];
        huge[0] = 1e30f;
        for (GgmlType t : QUANTIZED) assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(t, huge), t.toString());
        assertThrows(IllegalArgumentException.class, () -> Quantizer.dequantize(GgmlType.Q8_0, new byte[33], 32));
        assertTrue(Quantizer.supports(GgmlType.Q6_K));
        assertFalse(Quantizer.supports(GgmlType.Q2_K));
        assertEquals(9, Quantizer.supportedTypes().size());
        assertEquals(0, Quantizer.quantize(GgmlType.Q4_K, new float[0]).length);
    }

    // ---------------------------------------------------------------- against files made by llama.cpp's tools

    /**
     * pycode-5m ships the same checkpoint as F32 and as F16/BF16/Q8_0/Q4_0. Quantizing the F32 weights must
     * reproduce those files' bytes. The only tolerated difference: Q8_0 values whose scaled value is exactly
     * halfway between two integers, which the file rounds to even and ggml's reference (roundf) away from zero.
     */
    @Test
    void matchesPycodeModelFiles() {
        Path dir = Path.of("../shared/models/pycode-5m");
        if (!Files.isDirectory(dir)) dir = Path.of("/work/shared/models/pycode-5m");
        assumeTrue(Files.exists(dir.resolve("pycode-5m-f32.gguf")), "pycode-5m model files not available");
        try (GgufFile f32 = GgufFile.open(dir.resolve("pycode-5m-f32.gguf"))) {
            for (String variant : new String[]{"f16", "bf16", "q8_0", "q4_0"}) {
                try (GgufFile g = GgufFile.open(dir.resolve("pycode-5m-" + variant + ".gguf"))) {
                    int quantized = 0;
                    for (TensorInfo t : g.tensors().values()) {
                        float[] src = WeightTensor.of(f32.requireTensor(t.name())).toFloatArray();
                        byte[] mine = Quantizer.quantize(t.type(), src);
                        byte[] theirs = t.data().toArray(ValueLayout.JAVA_BYTE);
                        if (t.type() != GgmlType.F32) quantized++;
                        if (t.type() != GgmlType.Q8_0) {
                            assertArrayEquals(theirs, mine, variant + " " + t.name());
                            continue;
                        }
                        for (int i = 0; i < mine.length; i++) {
                            if (mine[i] == theirs[i]) continue;
                            int k = i / 34, j = i % 34 - 2;
                            assertTrue(j >= 0, t.name() + ": scale of block " + k + " differs");
                            float amax = 0;
                            for (int l = 0; l < 32; l++) amax = Math.max(amax, Math.abs(src[32 * k + l]));
                            float scaled = src[32 * k + j] * (1f / (amax / 127f));
                            assertEquals(0.5f, Math.abs(scaled - (int) scaled), t.name() + " block " + k + ": not a tie");
                            assertEquals(1, Math.abs(mine[i] - theirs[i]));
                            assertEquals(0, theirs[i] % 2, "the file rounds ties to even");
                        }
                    }
                    assertTrue(quantized > 0, variant);
                }
            }
        }
    }
}

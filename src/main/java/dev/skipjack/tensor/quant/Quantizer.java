package dev.skipjack.tensor.quant;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.tensor.WeightTensor;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

/**
 * Encodes float weights into GGML block layouts (the inverse of {@link WeightTensor#dequantizeRow}).
 *
 * <p>F32/F16/BF16 are exact conversions (round-to-nearest-even for the 16-bit types). Q8_0, Q4_0 and Q4_1
 * follow ggml's reference quantizers ({@code quantize_row_*_ref}) step for step in float arithmetic, so they
 * produce the same bytes as llama.cpp. The K-quants (Q4_K, Q5_K, Q6_K) use a simple quantizer of our own that
 * is not byte-compatible with llama.cpp's iterative search but always decodes correctly: every sub-block's
 * effective scale is rounded <em>up</em>, so no value is clipped and each element is within half a
 * quantization step of its input.
 *
 * <p>Values are row-major; since a row length must be a multiple of the block size, blocks never straddle
 * rows and a whole matrix can be quantized as one flat array.
 */
public final class Quantizer {
    private static final Set<GgmlType> SUPPORTED = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    private Quantizer() {}

    /** True when {@link #quantize} can encode {@code type}. */
    public static boolean supports(GgmlType type) { return SUPPORTED.contains(type); }

    /** The types {@link #quantize} can encode. */
    public static Set<GgmlType> supportedTypes() { return EnumSet.copyOf(SUPPORTED); }

    /**
     * Encodes {@code values} (length a multiple of {@code type.blockSize}) in {@code type}'s block layout.
     *
     * @throws IllegalArgumentException for an unsupported type, a bad length, or (quantized types only)
     *                                  non-finite values or a block scale that overflows half precision
     */
    public static byte[] quantize(GgmlType type, float[] values) {
        if (!supports(type)) throw new IllegalArgumentException("cannot quantize to " + type + " (supported: " + SUPPORTED + ")");
        if (values.length % type.blockSize != 0) {
            throw new IllegalArgumentException(type + ": " + values.length + " values is not a multiple of block size " + type.blockSize);
        }
        byte[] out = new byte[Math.toIntExact(type.byteSize(values.length))];
        int blocks = values.length / type.blockSize;
        switch (type) {
            case F32 -> { for (int i = 0; i < values.length; i++) putI32(out, 4 * i, Float.floatToRawIntBits(values[i])); }
            case F16 -> { for (int i = 0; i < values.length; i++) putI16(out, 2 * i, Float.floatToFloat16(values[i])); }
            case BF16 -> { for (int i = 0; i < values.length; i++) putI16(out, 2 * i, toBf16(values[i])); }
            case Q8_0 -> { for (int b = 0; b < blocks; b++) q8_0(values, b * 32, out, b * 34); }
            case Q4_0 -> { for (int b = 0; b < blocks; b++) q4_0(values, b * 32, out, b * 18); }
            case Q4_1 -> { for (int b = 0; b < blocks; b++) q4_1(values, b * 32, out, b * 20); }
            case Q4_K -> { for (int b = 0; b < blocks; b++) q45_K(values, b * 256, out, b * 144, false); }
            case Q5_K -> { for (int b = 0; b < blocks; b++) q45_K(values, b * 256, out, b * 176, true); }
            case Q6_K -> { for (int b = 0; b < blocks; b++) q6_K(values, b * 256, out, b * 210); }
            default -> throw new AssertionError(type);
        }
        return out;
    }

    /** Decodes {@code elements} values of {@code type} from {@code data} (through the engine's own decoders). */
    public static float[] dequantize(GgmlType type, byte[] data, int elements) {
        if (type.byteSize(elements) != data.length) {
            throw new IllegalArgumentException(type + ": " + data.length + " bytes given, " + type.byteSize(elements) + " expected");
        }
        if (elements == 0) return new float[0];
        TensorInfo info = new TensorInfo("dequantize", new long[]{elements}, type, 0, MemorySegment.ofArray(data));
        return WeightTensor.of(info).toFloatArray();
    }

    /** bfloat16 bits of {@code v}, rounding to nearest even; NaN stays a (quiet) NaN. */
    public static short toBf16(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7FFFFFFF) > 0x7F800000) return (short) ((u >>> 16) | 0x40);
        return (short) ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16);
    }

    // ---- 32-weight formats: ggml reference quantizers ----

    /** quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d). */
    private static void q8_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(finite(x[xo + j])));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        putI16(out, o, half(d));
        for (int j = 0; j < 32; j++) out[o + 2 + j] = (byte) roundf(x[xo + j] * id);
    }

    /** quantize_row_q4_0_ref: the value of largest magnitude maps to -8; q = min(15, trunc(x/d + 8.5)). */
    private static void q4_0(float[] x, int xo, byte[] out, int o) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = finite(x[xo + j]);
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        putI16(out, o, half(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[xo + 16 + j] * id + 8.5f));
            out[o + 2 + j] = (byte) (q0 | q1 << 4);
        }
    }

    /** quantize_row_q4_1_ref: d = (max-min)/15, m = min, q = min(15, trunc((x-min)/d + 0.5)). */
    private static void q4_1(float[] x, int xo, byte[] out, int o) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = finite(x[xo + j]);
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / 15f;
        float id = d != 0f ? 1f / d : 0f;
        putI16(out, o, half(d));
        putI16(out, o + 2, half(min));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) ((x[xo + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (int) ((x[xo + 16 + j] - min) * id + 0.5f));
            out[o + 4 + j] = (byte) (q0 | q1 << 4);
        }
    }

    // ---- K-quants (super-blocks of 256) ----

    /**
     * Q4_K / Q5_K: eight sub-blocks of 32, each {@code w = d*sc*q - dmin*m} with 6-bit sc, m and 4- or 5-bit q.
     * The offset {@code dmin*m} is chosen first (rounded up so it reaches the sub-block minimum, or 0 when
     * all values are positive), then the scale (rounded up so {@code 15} resp. {@code 31} steps reach the
     * maximum), so the quantization grid covers every value.
     */
    private static void q45_K(float[] x, int xo, byte[] out, int o, boolean five) {
        int levels = five ? 31 : 15;
        float[] mins = new float[8], highs = new float[8];
        float maxMin = 0f;
        for (int j = 0; j < 8; j++) {
            float lo = 0f, hi = -Float.MAX_VALUE;
            for (int l = 0; l < 32; l++) {
                float v = finite(x[xo + 32 * j + l]);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            mins[j] = -lo;
            highs[j] = hi;
            maxMin = Math.max(maxMin, -lo);
        }
        short dminBits = halfUp(maxMin / 63f);
        float dmin = Float.float16ToFloat(dminBits);
        int[] lm = new int[8], ls = new int[8];
        float[] offs = new float[8], need = new float[8];
        float maxNeed = 0f;
        for (int j = 0; j < 8; j++) {
            lm[j] = dmin > 0f ? Math.min(63, (int) Math.ceil(mins[j] / dmin)) : 0;
            offs[j] = dmin * lm[j];
            need[j] = Math.max(0f, (highs[j] + offs[j]) / levels);
            maxNeed = Math.max(maxNeed, need[j]);
        }
        short dBits = halfUp(maxNeed / 63f);
        float d = Float.float16ToFloat(dBits);
        putI16(out, o, dBits);
        putI16(out, o + 2, dminBits);
        int[] q = new int[256];
        for (int j = 0; j < 8; j++) {
            ls[j] = d > 0f ? Math.min(63, (int) Math.ceil(need[j] / d)) : 0;
            float step = d * ls[j];
            for (int l = 0; l < 32; l++) {
                int v = step > 0f ? (int) Math.rint((x[xo + 32 * j + l] + offs[j]) / step) : 0;
                q[32 * j + l] = Math.clamp(v, 0, levels);
            }
        }
        packScales(ls, lm, out, o + 4);
        if (five) {
            int qh = o + 16, qs = o + 48;
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    int a = q[64 * c + l], b = q[64 * c + 32 + l];
                    out[qs + 32 * c + l] = (byte) ((a & 0xF) | (b & 0xF) << 4);
                    out[qh + l] |= (byte) ((a >> 4) << (2 * c) | (b >> 4) << (2 * c + 1));
                }
            }
        } else {
            int qs = o + 16;
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) out[qs + 32 * c + l] = (byte) (q[64 * c + l] | q[64 * c + 32 + l] << 4);
            }
        }
    }

    /** The 12-byte packing of eight 6-bit scales and mins shared by Q4_K and Q5_K. */
    private static void packScales(int[] ls, int[] lm, byte[] out, int s) {
        for (int j = 0; j < 4; j++) {
            out[s + j] = (byte) (ls[j] | (ls[j + 4] >> 4) << 6);
            out[s + j + 4] = (byte) (lm[j] | (lm[j + 4] >> 4) << 6);
            out[s + j + 8] = (byte) ((ls[j + 4] & 0xF) | (lm[j + 4] & 0xF) << 4);
        }
    }

    /**
     * Q6_K: sixteen sub-blocks of 16, {@code w = d * sc * (q - 32)} with signed 8-bit sc and 6-bit q. Each
     * sub-block's step is rounded up so that its values fit in {@code [-32, 31]} steps.
     */
    private static void q6_K(float[] x, int xo, byte[] out, int o) {
        float[] need = new float[16];
        float maxNeed = 0f;
        for (int j = 0; j < 16; j++) {
            float lo = 0f, hi = 0f;
            for (int l = 0; l < 16; l++) {
                float v = finite(x[xo + 16 * j + l]);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            need[j] = Math.max(hi / 31f, -lo / 32f);
            maxNeed = Math.max(maxNeed, need[j]);
        }
        short dBits = halfUp(maxNeed / 127f);
        float d = Float.float16ToFloat(dBits);
        int[] q = new int[256];
        for (int j = 0; j < 16; j++) {
            int sc = d > 0f ? Math.min(127, (int) Math.ceil(need[j] / d)) : 0;
            out[o + 192 + j] = (byte) sc;
            float step = d * sc;
            for (int l = 0; l < 16; l++) {
                int v = step > 0f ? (int) Math.rint(x[xo + 16 * j + l] / step) : 0;
                q[16 * j + l] = Math.clamp(v, -32, 31) + 32;
            }
        }
        putI16(out, o + 208, dBits);
        for (int half = 0; half < 2; half++) {
            int ql = o + 64 * half, qh = o + 128 + 32 * half, y = 128 * half;
            for (int l = 0; l < 32; l++) {
                int q1 = q[y + l], q2 = q[y + l + 32], q3 = q[y + l + 64], q4 = q[y + l + 96];
                out[ql + l] = (byte) ((q1 & 0xF) | (q3 & 0xF) << 4);
                out[ql + l + 32] = (byte) ((q2 & 0xF) | (q4 & 0xF) << 4);
                out[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }

    // ---- helpers ----

    /** C's roundf: round half away from zero (exact for any float, done in double). */
    private static int roundf(float v) { return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v); }

    private static float finite(float v) {
        if (!Float.isFinite(v)) throw new IllegalArgumentException("cannot quantize non-finite value " + v);
        return v;
    }

    /** Half-precision bits of a block scale, rounding to nearest even; fails when it overflows. */
    private static short half(float v) {
        short h = Float.floatToFloat16(v);
        if (Float.isInfinite(Float.float16ToFloat(h))) throw new IllegalArgumentException("block scale " + v + " overflows half precision");
        return h;
    }

    /** Bits of the smallest half-precision value {@code >= v} (for {@code v >= 0}). */
    private static short halfUp(float v) {
        short h = Float.floatToFloat16(v);
        if (Float.float16ToFloat(h) < v) h++;
        if (Float.isInfinite(Float.float16ToFloat(h))) throw new IllegalArgumentException("block scale " + v + " overflows half precision");
        return h;
    }

    private static void putI16(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }

    private static void putI32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
        b[o + 2] = (byte) (v >> 16);
        b[o + 3] = (byte) (v >> 24);
    }
}

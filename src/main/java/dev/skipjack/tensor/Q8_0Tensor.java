package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/** Q8_0: blocks of 32 weights = f16 scale d, then 32 signed bytes q; w = d * q. */
public final class Q8_0Tensor extends WeightTensor {
    Q8_0Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q8_0; }

    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 32; b++, p += 34) {
            float d = Bytes.f16(data, p);
            for (int j = 0; j < 32; j++) dst[off + b * 32 + j] = d * Bytes.i8(data, p + 2 + j);
        }
    }

    /** Weights {@code [j, j+L)} of the block at {@code p}, whose scale is {@code d}. */
    private static FloatVector w(MemorySegment s, long p, int j, float d) {
        return Simd.i8(s, p + 2 + j).mul(d);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment s = data;
        long p = row * rowBytes + 34L * (c0 / 32);
        for (int b = 0; b < len / 32; b++, p += 34, off += 32) {
            float d = Bytes.f16(s, p);
            for (int j = 0; j < 32; j += L) w(s, p, j, d).intoArray(dst, off + j);
        }
    }

    // One row at a time, one chain (the matmul's order): the chain's FMA latency bounds it at ~14 G weights/s per
    // core, above what memory delivers to two cores.
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        MemorySegment s = data;
        boolean lookup = scaleLookup;
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector a = FloatVector.zero(F);
            for (int b = 0; b < cols / 32; b++, p += 34) {
                float d = Bytes.f16(s, p, lookup);
                for (int j = 0; j < 32; j += L, o += 4 * L) {
                    a = w(s, p, j, d).fma(act(x, o), a);
                }
            }
            out[r] = VectorMath.sumLanes(a);
        }
        return true;
    }

    /**
     * Two to four inputs cost little more than one here (512 x 2048 in L2, one thread: n = 2 0.135 -> 0.083 ms, n = 4
     * 0.159 -> 0.094), and in whole models from memory as well: Llama-3.2-1B Q8_0 at 512 tokens of context, T(2) 132 ->
     * 107 ms and T(4) 143 -> 101 ms against the tiles; Q4_0 T(2) 105 -> 73, T(4) 116 -> 82. (This was once limited to
     * weights in the cache after an 8192 x 2048 matrix benchmark from memory measured it slower, n = 2 1.68 vs 1.82-1.88
     * ms; the models say otherwise.) From five inputs on, the two-row kernels ({@link #fusedInputs}).
     */
    @Override boolean dotRows4(int r0, int r1, MemorySegment x, int n, float[] out) {
        MemorySegment s = data;
        boolean lookup = scaleLookup;
        long x1 = VectorMath.input(1, n, cols), x2 = VectorMath.input(2, n, cols), x3 = VectorMath.input(3, n, cols);
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int b = 0; b < cols / 32; b++, p += 34) {
                float d = Bytes.f16(s, p, lookup);
                for (int j = 0; j < 32; j += L, o += 4 * L) {
                    FloatVector w = w(s, p, j, d);
                    a0 = w.fma(act(x, o), a0);
                    a1 = w.fma(act(x, x1 + o), a1);
                    a2 = w.fma(act(x, x2 + o), a2);
                    a3 = w.fma(act(x, x3 + o), a3);
                }
            }
            // the lane sums written out here: a helper taking the vectors was not always inlined, and boxed them
            out[r] = VectorMath.sumLanes(a0);
            if (n > 1) out[rows + r] = VectorMath.sumLanes(a1);
            if (n > 2) out[2 * rows + r] = VectorMath.sumLanes(a2);
            if (n > 3) out[3 * rows + r] = VectorMath.sumLanes(a3);
        }
        return true;
    }

    /**
     * Five to 32 inputs run two rows at a time ({@link #fused4}, {@link #fused8}: each weight vector decoded once and
     * fed to eight chains per row), not one row with eight chains as before (which loaded eight input vectors per eight
     * FMAs) nor the tiles. 8192 x 2048, two threads from memory: n = 8 2.50-2.59 -> 1.86-1.97 ms, n = 16 4.44-4.58 ->
     * 3.47-3.71 (tiles before), n = 32 7.41-8.19 -> 6.54-6.58. Llama-3.2-1B Q8_0 at a 512-token context (interleaved):
     * T(6) 184-188 -> 159-162 ms, T(8) 201-206 -> 146-147, T(16) 336-361 -> 267-272, T(32) 573-613 -> 519-520. Two to
     * four inputs stay on {@link #dotRows4}: the pair kernel ran slower there (n = 2 1.38-1.42 -> 1.74-1.81 ms).
     */
    @Override int fusedInputs() { return 32; }

    // The same loops as in F32 and BF16 around the Q8_0 decoder (see the note in BF16Tensor).

    @Override void fused4(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, float[] acc, int ao) {
        MemorySegment s = data;
        boolean lookup = scaleLookup;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long o = 0;
        for (int b = 0; b < cols / 32; b++, p += 34, q += 34) {
            float d = Bytes.f16(s, p, lookup), e = Bytes.f16(s, q, lookup);
            for (int j = 0; j < 32; j += L, o += 4 * L) {
                FloatVector w = w(s, p, j, d), v = w(s, q, j, e);
                FloatVector y = act(x, x0 + o); a0 = w.fma(y, a0); b0 = v.fma(y, b0);
                y = act(x, x1 + o); a1 = w.fma(y, a1); b1 = v.fma(y, b1);
                y = act(x, x2 + o); a2 = w.fma(y, a2); b2 = v.fma(y, b2);
                y = act(x, x3 + o); a3 = w.fma(y, a3); b3 = v.fma(y, b3);
            }
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
        b0.intoArray(acc, ao + 8 * L); b1.intoArray(acc, ao + 9 * L); b2.intoArray(acc, ao + 10 * L); b3.intoArray(acc, ao + 11 * L);
    }

    @Override void fused8(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, long x4, long x5, long x6, long x7, float[] acc) {
        MemorySegment s = data;
        boolean lookup = scaleLookup;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        long o = 0;
        for (int b = 0; b < cols / 32; b++, p += 34, q += 34) {
            float d = Bytes.f16(s, p, lookup), e = Bytes.f16(s, q, lookup);
            for (int j = 0; j < 32; j += L, o += 4 * L) {
                FloatVector w = w(s, p, j, d), v = w(s, q, j, e);
                FloatVector y = act(x, x0 + o); a0 = w.fma(y, a0); b0 = v.fma(y, b0);
                y = act(x, x1 + o); a1 = w.fma(y, a1); b1 = v.fma(y, b1);
                y = act(x, x2 + o); a2 = w.fma(y, a2); b2 = v.fma(y, b2);
                y = act(x, x3 + o); a3 = w.fma(y, a3); b3 = v.fma(y, b3);
                y = act(x, x4 + o); a4 = w.fma(y, a4); b4 = v.fma(y, b4);
                y = act(x, x5 + o); a5 = w.fma(y, a5); b5 = v.fma(y, b5);
                y = act(x, x6 + o); a6 = w.fma(y, a6); b6 = v.fma(y, b6);
                y = act(x, x7 + o); a7 = w.fma(y, a7); b7 = v.fma(y, b7);
            }
        }
        a0.intoArray(acc, 0); a1.intoArray(acc, L); a2.intoArray(acc, 2 * L); a3.intoArray(acc, 3 * L);
        a4.intoArray(acc, 4 * L); a5.intoArray(acc, 5 * L); a6.intoArray(acc, 6 * L); a7.intoArray(acc, 7 * L);
        b0.intoArray(acc, 8 * L); b1.intoArray(acc, 9 * L); b2.intoArray(acc, 10 * L); b3.intoArray(acc, 11 * L);
        b4.intoArray(acc, 12 * L); b5.intoArray(acc, 13 * L); b6.intoArray(acc, 14 * L); b7.intoArray(acc, 15 * L);
    }
}

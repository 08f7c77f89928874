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
     * ms; the models say otherwise.) Up to eight inputs: see {@link #dotRowsInputs}.
     */
    @Override boolean dotRows4(int r0, int r1, MemorySegment x, int n, float[] out) {
        MemorySegment s = data;
        boolean lookup = scaleLookup;
        int groups = n > 4 ? 2 : 1;
        long x1 = VectorMath.input(1, n, cols), x2 = VectorMath.input(2, n, cols), x3 = VectorMath.input(3, n, cols);
        long x4 = VectorMath.input(4, n, cols), x5 = VectorMath.input(5, n, cols), x6 = VectorMath.input(6, n, cols);
        long x7 = VectorMath.input(7, n, cols);
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int b = 0; b < cols / 32; b++, p += 34) {
                float d = Bytes.f16(s, p, lookup);
                for (int j = 0; j < 32; j += L, o += 4 * L) {
                    FloatVector w = w(s, p, j, d);
                    for (int h = 0; h < groups; h++) { // inputs 4h .. 4h+3 into a0..a3; with two groups they then swap
                        a0 = w.fma(act(x, (h == 0 ? 0 : x4) + o), a0);
                        a1 = w.fma(act(x, (h == 0 ? x1 : x5) + o), a1);
                        a2 = w.fma(act(x, (h == 0 ? x2 : x6) + o), a2);
                        a3 = w.fma(act(x, (h == 0 ? x3 : x7) + o), a3);
                        if (groups == 2) {
                            FloatVector t0 = a0, t1 = a1, t2 = a2, t3 = a3;
                            a0 = b0; a1 = b1; a2 = b2; a3 = b3;
                            b0 = t0; b1 = t1; b2 = t2; b3 = t3;
                        }
                    }
                }
            }
            // the lane sums written out here: a helper taking the vectors was not always inlined, and boxed them
            out[r] = VectorMath.sumLanes(a0);
            if (n > 1) out[rows + r] = VectorMath.sumLanes(a1);
            if (n > 2) out[2 * rows + r] = VectorMath.sumLanes(a2);
            if (n > 3) out[3 * rows + r] = VectorMath.sumLanes(a3);
            if (n > 4) out[4 * rows + r] = VectorMath.sumLanes(b0);
            if (n > 5) out[5 * rows + r] = VectorMath.sumLanes(b1);
            if (n > 6) out[6 * rows + r] = VectorMath.sumLanes(b2);
            if (n > 7) out[7 * rows + r] = VectorMath.sumLanes(b3);
        }
        return true;
    }

    /**
     * Five to eight inputs go through the same loop body, run for each group of four per weight vector with the two
     * groups' accumulators swapped after each (the body parsed once: written out for eight inputs, a kernel ran out of
     * C2's inlining budget and boxed; a separate eight-input method made the matmul's compilation box as well).
     * Llama-3.2-1B Q8_0 at 512 tokens of context: T(6) 197 -> 176 ms, T(8) 214 -> 183 against the tiles. Q4_0's version
     * measured no faster than its tiles (T(8)/T(1) 3.13 against 2.91).
     */
    @Override int dotRowsInputs() { return 8; }
}

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
        if (n > 4) return eightRows(r0, r1, x, n, out);
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
     * Five to eight inputs, one row at a time: {@link #row8}'s eight chains, parked in {@code acc} and summed there by
     * {@link VectorMath#sumLanes(float[], int)} (the same tree as on a vector).
     */
    private boolean eightRows(int r0, int r1, MemorySegment x, int n, float[] out) {
        float[] acc = Scratch.acc(8 * L);
        long x1 = VectorMath.input(1, n, cols), x2 = VectorMath.input(2, n, cols), x3 = VectorMath.input(3, n, cols);
        long x4 = VectorMath.input(4, n, cols), x5 = VectorMath.input(5, n, cols), x6 = VectorMath.input(6, n, cols);
        long x7 = VectorMath.input(7, n, cols);
        for (int r = r0; r < r1; r++) {
            row8(r * rowBytes, x, x1, x2, x3, x4, x5, x6, x7, acc);
            for (int j = 0; j < n; j++) out[j * rows + r] = VectorMath.sumLanes(acc, j * L);
        }
        return true;
    }

    /**
     * The row at byte {@code p} times eight inputs (the first at offset 0), each weight vector decoded once and fed to
     * eight chains, stored at {@code acc[j*L]}. A method of its own that takes and returns no vector, like
     * {@link WeightTensor#fused4}: the eight-input case used to run inside {@link #dotRows4}'s loop with two groups'
     * accumulators swapped, and there C2 boxed the vectors (61-70 MB allocated over 20 eight-token passes of the
     * allocation test).
     */
    private void row8(long p, MemorySegment x, long x1, long x2, long x3, long x4, long x5, long x6, long x7, float[] acc) {
        MemorySegment s = data;
        boolean lookup = scaleLookup;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        long o = 0;
        for (int b = 0; b < cols / 32; b++, p += 34) {
            float d = Bytes.f16(s, p, lookup);
            for (int j = 0; j < 32; j += L, o += 4 * L) {
                FloatVector w = w(s, p, j, d);
                a0 = w.fma(act(x, o), a0);
                a1 = w.fma(act(x, x1 + o), a1);
                a2 = w.fma(act(x, x2 + o), a2);
                a3 = w.fma(act(x, x3 + o), a3);
                a4 = w.fma(act(x, x4 + o), a4);
                a5 = w.fma(act(x, x5 + o), a5);
                a6 = w.fma(act(x, x6 + o), a6);
                a7 = w.fma(act(x, x7 + o), a7);
            }
        }
        a0.intoArray(acc, 0); a1.intoArray(acc, L); a2.intoArray(acc, 2 * L); a3.intoArray(acc, 3 * L);
        a4.intoArray(acc, 4 * L); a5.intoArray(acc, 5 * L); a6.intoArray(acc, 6 * L); a7.intoArray(acc, 7 * L);
    }

    /**
     * Five to eight inputs go through {@link #eightRows}. Llama-3.2-1B Q8_0 at 512 tokens of context, with the two groups
     * of four in one loop: T(6) 197 -> 176 ms, T(8) 214 -> 183 against the tiles. Q4_0's version measured no faster than
     * its tiles (T(8)/T(1) 3.13 against 2.91).
     */
    @Override int dotRowsInputs() { return 8; }
}

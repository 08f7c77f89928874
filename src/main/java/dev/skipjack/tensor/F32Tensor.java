package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/** 32-bit float weights. */
public final class F32Tensor extends WeightTensor {
    F32Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.F32; }

    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        MemorySegment.copy(data, Bytes.FLOAT, (long) row * rowBytes, dst, off, cols);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment.copy(data, Bytes.FLOAT, row * rowBytes + 4L * c0, dst, off, len);
    }

    /**
     * Up to 16 inputs the fused kernel beats the tiles (8192 x 2048, 2 threads, n = 16: 5.79 -> 5.63 ms; 1536 x 576:
     * 0.353 -> 0.311); at 32 it lost on the large shape (8.48 -> 9.50 ms).
     */
    @Override int fusedInputs() { return 16; }

    /**
     * Four rows at a time (as in BF16, {@link BF16Tensor#quadInputs}) up to four inputs. 8192 x 2048, two threads from
     * memory: n = 2 2.92-2.96 -> 2.47-2.50 ms, n = 4 2.96-2.98 -> 2.50; but n = 8 2.98-3.02 -> 3.11-3.19, so from five
     * inputs on the two-row {@link #fused8} stays. Llama-3.2-1B F32 at a 512-token context: T(2) 212-217 -> 181 ms, T(4)
     * 218-220 -> 185-188; T(8) within the noise (240-262 against 250-252), T(16) too.
     */
    @Override int quadInputs() { return 4; }

    // The same loop as in BF16 around another decoder: C2 inlines a decoder reliably only when it is written out in
    // its own kernel, and a shared body taking both would double the node count that this kernel must stay under.

    @Override void fused4(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, float[] acc, int ao) {
        MemorySegment s = data;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int i = 0; i < cols; i += L) {
            long o = 4L * i;
            FloatVector w = Simd.f32(s, p + 4L * i), v = Simd.f32(s, q + 4L * i);
            FloatVector y = act(x, x0 + o); a0 = w.fma(y, a0); b0 = v.fma(y, b0);
            y = act(x, x1 + o); a1 = w.fma(y, a1); b1 = v.fma(y, b1);
            y = act(x, x2 + o); a2 = w.fma(y, a2); b2 = v.fma(y, b2);
            y = act(x, x3 + o); a3 = w.fma(y, a3); b3 = v.fma(y, b3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
        b0.intoArray(acc, ao + 8 * L); b1.intoArray(acc, ao + 9 * L); b2.intoArray(acc, ao + 10 * L); b3.intoArray(acc, ao + 11 * L);
    }

    /** As in BF16 ({@link BF16Tensor#fused8}). 8192 x 2048, 2 threads from memory: n = 8 4.19-4.41 -> 3.16-3.19 ms, n = 16 6.12-6.41 -> 4.79-4.91. */
    @Override void fused8(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, long x4, long x5, long x6, long x7, float[] acc) {
        MemorySegment s = data;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        for (int i = 0; i < cols; i += L) {
            long o = 4L * i;
            FloatVector w = Simd.f32(s, p + 4L * i), v = Simd.f32(s, q + 4L * i);
            FloatVector y = act(x, x0 + o); a0 = w.fma(y, a0); b0 = v.fma(y, b0);
            y = act(x, x1 + o); a1 = w.fma(y, a1); b1 = v.fma(y, b1);
            y = act(x, x2 + o); a2 = w.fma(y, a2); b2 = v.fma(y, b2);
            y = act(x, x3 + o); a3 = w.fma(y, a3); b3 = v.fma(y, b3);
            y = act(x, x4 + o); a4 = w.fma(y, a4); b4 = v.fma(y, b4);
            y = act(x, x5 + o); a5 = w.fma(y, a5); b5 = v.fma(y, b5);
            y = act(x, x6 + o); a6 = w.fma(y, a6); b6 = v.fma(y, b6);
            y = act(x, x7 + o); a7 = w.fma(y, a7); b7 = v.fma(y, b7);
        }
        a0.intoArray(acc, 0); a1.intoArray(acc, L); a2.intoArray(acc, 2 * L); a3.intoArray(acc, 3 * L);
        a4.intoArray(acc, 4 * L); a5.intoArray(acc, 5 * L); a6.intoArray(acc, 6 * L); a7.intoArray(acc, 7 * L);
        b0.intoArray(acc, 8 * L); b1.intoArray(acc, 9 * L); b2.intoArray(acc, 10 * L); b3.intoArray(acc, 11 * L);
        b4.intoArray(acc, 12 * L); b5.intoArray(acc, 13 * L); b6.intoArray(acc, 14 * L); b7.intoArray(acc, 15 * L);
    }

    @Override void fusedQuad(long p0, MemorySegment x, long x0, long x1, long x2, long x3, float[] acc) {
        long p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
        MemorySegment s = data;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        for (int i = 0; i < cols; i += L) {
            long o = 4L * i;
            FloatVector w = Simd.f32(s, p0 + o), v = Simd.f32(s, p1 + o), u = Simd.f32(s, p2 + o), t = Simd.f32(s, p3 + o);
            FloatVector y = act(x, x0 + o); a0 = w.fma(y, a0); b0 = v.fma(y, b0); c0 = u.fma(y, c0); d0 = t.fma(y, d0);
            y = act(x, x1 + o); a1 = w.fma(y, a1); b1 = v.fma(y, b1); c1 = u.fma(y, c1); d1 = t.fma(y, d1);
            y = act(x, x2 + o); a2 = w.fma(y, a2); b2 = v.fma(y, b2); c2 = u.fma(y, c2); d2 = t.fma(y, d2);
            y = act(x, x3 + o); a3 = w.fma(y, a3); b3 = v.fma(y, b3); c3 = u.fma(y, c3); d3 = t.fma(y, d3);
        }
        a0.intoArray(acc, 0); a1.intoArray(acc, L); a2.intoArray(acc, 2 * L); a3.intoArray(acc, 3 * L);
        b0.intoArray(acc, 4 * L); b1.intoArray(acc, 5 * L); b2.intoArray(acc, 6 * L); b3.intoArray(acc, 7 * L);
        c0.intoArray(acc, 8 * L); c1.intoArray(acc, 9 * L); c2.intoArray(acc, 10 * L); c3.intoArray(acc, 11 * L);
        d0.intoArray(acc, 12 * L); d1.intoArray(acc, 13 * L); d2.intoArray(acc, 14 * L); d3.intoArray(acc, 15 * L);
    }

    // One row at a time, one chain (the matmul's order): the chain's FMA latency bounds it at ~14 G weights/s per
    // core, above what memory delivers to two cores.
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        for (int r = r0; r < r1; r++) out[r] = dotRow(r, x, 0);
        return true;
    }

    private float dotRow(int row, MemorySegment x, long o) {
        MemorySegment s = data;
        long p = row * rowBytes;
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < cols; i += L, o += 4 * L) {
            a = Simd.f32(s, p + 4L * i).fma(act(x, o), a);
        }
        return VectorMath.sumLanes(a);
    }
}

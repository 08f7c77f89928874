package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/** bfloat16 weights: the top 16 bits of a float32. */
public final class BF16Tensor extends WeightTensor {
    BF16Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.BF16; }

    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long base = (long) row * rowBytes;
        for (int i = 0; i < cols; i++) dst[off + i] = Bytes.bf16(data, base + 2L * i);
    }

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment s = data;
        long p = row * rowBytes + 2L * c0;
        int i = 0;
        for (; i + L <= len; i += L) Simd.bf16(s, p + 2L * i).intoArray(dst, off + i);
        for (; i < len; i++) dst[off + i] = Bytes.bf16(s, p + 2L * i);
    }

    /**
     * Up to 32 inputs, the fused kernel's calls after the first per row pair run from L1, and beat decoding into the
     * tiles' scratch: 8192 x 2048, 2 threads, n = 16 4.55 -> 3.55 ms, n = 32 7.59 -> 6.26 ms (1536 x 576: 0.286 ->
     * 0.234, 0.476 -> 0.423); Llama-3.2-1B BF16 T(16)/T(1) 4.26-4.46 -> 3.53-3.82.
     */
    @Override int fusedInputs() { return 32; }

    /**
     * Four rows at a time beat two at every batch size the fused kernels take. 256 x 2048, one thread in L2: n = 2
     * 0.047 -> 0.037 ms, n = 8 0.088 -> 0.077, n = 16 0.178-0.186 -> 0.153-0.168; 8192 x 2048, two threads from memory:
     * n = 2 1.68-1.69 -> 1.34-1.36 ms, n = 4 1.72-1.75 -> 1.31-1.33, n = 8 the same (2.02-2.06), n = 16 3.60-3.62 ->
     * 3.25-3.30. Llama-3.2-1B BF16 at a 512-token context (interleaved runs): T(2) 125-126 -> 110-112 ms, T(4) 132-133 ->
     * 115-118, T(8) 180-182 -> 173-174, T(16) 318-321 -> 273-292.
     */
    @Override int quadInputs() { return 32; }

    // The same loop as in F32 around another decoder: C2 inlines a decoder reliably only when it is written out in
    // its own kernel, and a shared body taking both would double the node count that this kernel must stay under.

    @Override void fused4(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, float[] acc, int ao) {
        MemorySegment s = data;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int i = 0; i < cols; i += L) {
            long o = 4L * i;
            FloatVector w = Simd.bf16(s, p + 2L * i), v = Simd.bf16(s, q + 2L * i);
            FloatVector y = act(x, x0 + o); a0 = w.fma(y, a0); b0 = v.fma(y, b0);
            y = act(x, x1 + o); a1 = w.fma(y, a1); b1 = v.fma(y, b1);
            y = act(x, x2 + o); a2 = w.fma(y, a2); b2 = v.fma(y, b2);
            y = act(x, x3 + o); a3 = w.fma(y, a3); b3 = v.fma(y, b3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
        b0.intoArray(acc, ao + 8 * L); b1.intoArray(acc, ao + 9 * L); b2.intoArray(acc, ao + 10 * L); b3.intoArray(acc, ao + 11 * L);
    }

    /**
     * Eight inputs in one pass over the row pair, 16 chains in registers: each weight vector is decoded once instead of
     * twice, and the rows stream from memory once while all the FMAs run beside them (two fused4 calls left the second,
     * from L1, after the first's memory stalls). 256 x 2048, one thread in L2, n = 8: 0.105 -> 0.090-0.092 ms;
     * Llama-3.2-1B BF16 at a 512-token context: T(8) 207-211 -> 177-183 ms, T(16) 342 -> 314-316 ms.
     */
    @Override void fused8(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, long x4, long x5, long x6, long x7, float[] acc) {
        MemorySegment s = data;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        for (int i = 0; i < cols; i += L) {
            long o = 4L * i;
            FloatVector w = Simd.bf16(s, p + 2L * i), v = Simd.bf16(s, q + 2L * i);
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
            long o = 4L * i, h = 2L * i;
            FloatVector w = Simd.bf16(s, p0 + h), v = Simd.bf16(s, p1 + h), u = Simd.bf16(s, p2 + h), t = Simd.bf16(s, p3 + h);
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
            a = Simd.bf16(s, p + 2L * i).fma(act(x, o), a);
        }
        return VectorMath.sumLanes(a);
    }
}

package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.MemorySegment;

import static dev.skipjack.tensor.Simd.F;
import static dev.skipjack.tensor.Simd.L;
import static dev.skipjack.tensor.VectorMath.act;

/**
 * Q4_0: blocks of 32 weights = f16 scale d, then 16 bytes of nibbles. Byte j holds weight j in its low
 * nibble and weight j+16 in its high nibble; w = d * (nibble - 8).
 */
public final class Q4_0Tensor extends WeightTensor {
    Q4_0Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q4_0; }

    @Override void dequantizeRowScalar(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 32; b++, p += 18) {
            float d = Bytes.f16(data, p);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(data, p + 2 + j);
                dst[o + j] = d * ((q & 0xF) - 8);
                dst[o + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }

    /** Weights {@code [j, j+L)} of the block at {@code p}: low nibbles of bytes j.. for j < 16, else high nibbles of bytes j-16... */
    private static FloatVector w(MemorySegment s, long p, int j, float d) {
        ByteVector q = Simd.bytes(s, p + 2 + (j & 15));
        return Simd.b2f((j < 16 ? q.and((byte) 0xF) : Simd.high4(q)).sub((byte) 8)).mul(d);
    }

    /** The block's 16 possible weights {@code d * (k - 8)}, as float bits, for {@link Simd#lookup}. */
    private static IntVector table(MemorySegment s, long p, boolean lookup) {
        return LEVELS.mul(Bytes.f16(s, p, lookup)).reinterpretAsInts();
    }

    private static final FloatVector LEVELS = Simd.TABLES ? Simd.NIBBLES.sub(8) : null;

    @Override void decodeSpan(int row, int c0, int len, float[] dst, int off) {
        MemorySegment s = data;
        long p = row * rowBytes + 18L * (c0 / 32);
        if (Simd.TABLES) {
            for (int b = 0; b < len / 32; b++, p += 18, off += 32) {
                IntVector t = table(s, p, false), q = Simd.byteLanes(s, p + 2);
                Simd.lookup(t, q).intoArray(dst, off);
                Simd.lookupHigh(t, q).intoArray(dst, off + 16);
            }
            return;
        }
        for (int b = 0; b < len / 32; b++, p += 18, off += 32) {
            float d = Bytes.f16(s, p);
            for (int j = 0; j < 32; j += L) w(s, p, j, d).intoArray(dst, off + j);
        }
    }

    // Each row one chain (the matmul's order); with the table lookup two rows interleaved, since one chain's FMA
    // latency bounds the one-row loop: 8192 x 2048, two threads from memory 0.94-0.98 -> 0.76-0.83 ms, 512 x 2048 one
    // thread in L2 0.061 -> 0.044 ms; Llama-3.2-1B Q4_0 decode 13.9-14.2 -> 17.4-18.0 tok/s.
    @Override boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        for (int r = r0; r < r1; r += Simd.TABLES ? 2 : 1) {
            if (Simd.TABLES) dotRowPair(r, Math.min(r + 1, r1 - 1), x, scaleLookup, out); // an odd last row pairs with itself
            else out[r] = dotRow(r, x);
        }
        return true;
    }

    /** Rows {@code row} and {@code row2} by the table lookup, one chain each, interleaved: two chains in flight. */
    private void dotRowPair(int row, int row2, MemorySegment x, boolean lookup, float[] out) {
        MemorySegment s = data;
        long p = row * rowBytes, q2 = row2 * rowBytes, o = 0;
        FloatVector a = FloatVector.zero(F), b = a;
        for (int k = 0; k < cols / 32; k++, p += 18, q2 += 18, o += 128) {
            IntVector t = table(s, p, lookup), q = Simd.byteLanes(s, p + 2);
            IntVector u = table(s, q2, lookup), v = Simd.byteLanes(s, q2 + 2);
            FloatVector x0 = act(x, o), x1 = act(x, o + 64);
            a = Simd.lookup(t, q).fma(x0, a);
            b = Simd.lookup(u, v).fma(x0, b);
            a = Simd.lookupHigh(t, q).fma(x1, a);
            b = Simd.lookupHigh(u, v).fma(x1, b);
        }
        out[row] = VectorMath.sumLanes(a);
        out[row2] = VectorMath.sumLanes(b);
    }

    private float dotRow(int row, MemorySegment x) {
        MemorySegment s = data;
        long p = row * rowBytes, o = 0;
        FloatVector a = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++, p += 18) {
            float d = Bytes.f16(s, p);
            for (int j = 0; j < 32; j += L, o += 4 * L) {
                a = w(s, p, j, d).fma(act(x, o), a);
            }
        }
        return VectorMath.sumLanes(a);
    }

    /** With the table lookup; see {@link Q8_0Tensor#dotRows4}. */
    @Override boolean dotRows4(int r0, int r1, MemorySegment x, int n, float[] out) {
        if (!Simd.TABLES) return false;
        MemorySegment s = data;
        boolean lookup = scaleLookup;
        long x1 = VectorMath.input(1, n, cols), x2 = VectorMath.input(2, n, cols), x3 = VectorMath.input(3, n, cols);
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int b = 0; b < cols / 32; b++, p += 18, o += 128) {
                IntVector t = table(s, p, lookup), q = Simd.byteLanes(s, p + 2);
                FloatVector w = Simd.lookup(t, q);
                a0 = w.fma(act(x, o), a0);
                a1 = w.fma(act(x, x1 + o), a1);
                a2 = w.fma(act(x, x2 + o), a2);
                a3 = w.fma(act(x, x3 + o), a3);
                w = Simd.lookupHigh(t, q);
                a0 = w.fma(act(x, o + 64), a0);
                a1 = w.fma(act(x, x1 + o + 64), a1);
                a2 = w.fma(act(x, x2 + o + 64), a2);
                a3 = w.fma(act(x, x3 + o + 64), a3);
            }
            // the lane sums written out here: a helper taking the four vectors was not always inlined, and boxed them
            out[r] = VectorMath.sumLanes(a0);
            if (n > 1) out[rows + r] = VectorMath.sumLanes(a1);
            if (n > 2) out[2 * rows + r] = VectorMath.sumLanes(a2);
            if (n > 3) out[3 * rows + r] = VectorMath.sumLanes(a3);
        }
        return true;
    }
}

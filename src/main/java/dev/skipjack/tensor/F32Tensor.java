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

    @Override void decodeRows(int r0, int r1, float[] dst, int off) {
        MemorySegment.copy(data, Bytes.FLOAT, r0 * rowBytes, dst, off, (r1 - r0) * cols);
    }

    @Override void dotRows(int r0, int r1, MemorySegment x, long xo, float[] out) {
        if (!Simd.ENABLED || cols % (4 * L) != 0) { super.dotRows(r0, r1, x, xo, out); return; }
        for (int r = r0; r < r1; r++) out[r] = dotRow(r, x, xo);
    }

    // VectorMath.dot's order for cols a multiple of 4L: chunk v goes to s0 and the accumulators rotate, so it lands
    // in accumulator v % 4 (C2 unrolls the loop, and one decoder in the body keeps the compilation small).
    private float dotRow(int row, MemorySegment x, long o) {
        MemorySegment s = data;
        long p = row * rowBytes;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < cols; i += L, o += 4 * L) {
            FloatVector t = Simd.f32(s, p + 4L * i).fma(act(x, o), s0);
            s0 = s1; s1 = s2; s2 = s3; s3 = t;
        }
        return VectorMath.sumLanes(s0.add(s1).add(s2.add(s3)));
    }

    // The four-input version of dotRow: inputs t >= nt repeat the last one (their results are dropped).
    @Override boolean dotRows4(int r0, int r1, MemorySegment x, long xo, long xs, int nt, float[] out, int oo, int os) {
        if (!Simd.ENABLED || cols % (4 * L) != 0) return false;
        MemorySegment s = data;
        float[] acc = Scratch.acc();
        long x0 = xo, x1 = xo + Math.min(1, nt - 1) * xs, x2 = xo + Math.min(2, nt - 1) * xs, x3 = xo + Math.min(3, nt - 1) * xs;
        for (int r = r0; r < r1; r++) {
            long p = r * rowBytes, o = 0;
            FloatVector z = FloatVector.zero(F);
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
            FloatVector c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
            for (long i = 0; i < cols; i += L, o += 4 * L) {
                    FloatVector w = Simd.f32(s, p + 4 * i);
                    FloatVector ta = w.fma(FloatVector.fromMemorySegment(F, x, x0 + o, VectorMath.NATIVE), a0);
                    FloatVector tb = w.fma(FloatVector.fromMemorySegment(F, x, x1 + o, VectorMath.NATIVE), b0);
                    FloatVector tc = w.fma(FloatVector.fromMemorySegment(F, x, x2 + o, VectorMath.NATIVE), c0);
                    FloatVector td = w.fma(FloatVector.fromMemorySegment(F, x, x3 + o, VectorMath.NATIVE), d0);
                    a0 = a1; a1 = a2; a2 = a3; a3 = ta;
                    b0 = b1; b1 = b2; b2 = b3; b3 = tb;
                    c0 = c1; c1 = c2; c2 = c3; c3 = tc;
                    d0 = d1; d1 = d2; d2 = d3; d3 = td;
            }
            int g = (r - r0) & 3;
            a0.add(a1).add(a2.add(a3)).intoArray(acc, 4 * g * L);
            b0.add(b1).add(b2.add(b3)).intoArray(acc, (4 * g + 1) * L);
            c0.add(c1).add(c2.add(c3)).intoArray(acc, (4 * g + 2) * L);
            d0.add(d1).add(d2.add(d3)).intoArray(acc, (4 * g + 3) * L);
            if (g == 3 || r == r1 - 1) VectorMath.finishRows4(acc, g + 1, nt, out, oo, os, r - g);
        }
        return true;
    }
}

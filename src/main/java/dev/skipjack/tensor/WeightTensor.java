package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.TensorInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A read-only matrix of {@code rows x cols} weights in one GGML type, backed by the memory-mapped file.
 * One subclass per tensor type supplies three decoders that agree bit for bit: a scalar reference
 * ({@link #dequantizeRowScalar}), a vector one ({@link #decodeRows}) and fused row-times-vector dots
 * ({@link #dotRows}); the matmul loop lives here so every type shares the same summation order (see {@link #matmul}).
 * The per-type kernels take row ranges, so each is compiled as its own unit with its vector helpers inlined.
 */
public abstract class WeightTensor {
    protected final String name;
    protected final int rows;
    protected final int cols;
    protected final MemorySegment data;
    protected final long rowBytes;

    protected WeightTensor(String name, int rows, int cols, MemorySegment data) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        this.rowBytes = type().byteSize(cols);
    }

    public abstract GgmlType type();

    /** Decodes row {@code row} into {@code dst[off .. off+cols)}. */
    public final void dequantizeRow(int row, float[] dst, int off) {
        if (Simd.ENABLED) decodeRows(row, row + 1, dst, off); else dequantizeRowScalar(row, dst, off);
    }

    /** The reference decoder: plain scalar code following the GGML block layout. */
    abstract void dequantizeRowScalar(int row, float[] dst, int off);

    /**
     * Vector decoder of rows {@code [r0, r1)} into {@code dst} from {@code off}, one row after the other; bit-identical
     * to {@link #dequantizeRowScalar}. Only called when {@link Simd#ENABLED}.
     */
    abstract void decodeRows(int r0, int r1, float[] dst, int off);

    /**
     * {@code out[r] = VectorMath.dot(dequantized row r, cols activations at byte offset xo of x)} for rows
     * {@code [r0, r1)}, bit for bit. This default decodes each row into a scratch row; the types override it with
     * fused kernels that decode the weights in registers (where the vector width allows).
     */
    void dotRows(int r0, int r1, MemorySegment x, long xo, float[] out) {
        float[] w = Scratch.row(cols);
        for (int r = r0; r < r1; r++) {
            dequantizeRow(r, w, 0);
            out[r] = VectorMath.dot(w, 0, x, xo, cols);
        }
    }

    public String name() { return name; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public MemorySegment data() { return data; }

    /** Wraps a GGUF tensor, failing clearly for types the engine cannot compute with. */
    public static WeightTensor of(TensorInfo t) {
        int cols = t.cols(), rows = t.rows();
        MemorySegment d = t.data();
        return switch (t.type()) {
            case F32 -> new F32Tensor(t.name(), rows, cols, d);
            case F16 -> new F16Tensor(t.name(), rows, cols, d);
            case BF16 -> new BF16Tensor(t.name(), rows, cols, d);
            case Q8_0 -> new Q8_0Tensor(t.name(), rows, cols, d);
            case Q4_0 -> new Q4_0Tensor(t.name(), rows, cols, d);
            case Q4_1 -> new Q4_1Tensor(t.name(), rows, cols, d);
            case Q4_K -> new Q4_KTensor(t.name(), rows, cols, d);
            case Q5_K -> new Q5_KTensor(t.name(), rows, cols, d);
            case Q6_K -> new Q6_KTensor(t.name(), rows, cols, d);
            default -> throw new GgufException("tensor '" + t.name() + "' has type " + t.type()
                    + ", which skipjack does not support (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        };
    }

    /** Whole matrix as floats (tests, small tensors such as norms). */
    public float[] toFloatArray() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) dequantizeRow(r, out, r * cols);
        return out;
    }

    /**
     * {@code out[t*rows + r] = sum_c W[r][c] * x[t*cols + c]} for {@code n} input vectors.
     * Every element is {@link VectorMath#dot} of the dequantized row and the input, whose summation order depends
     * only on {@code cols}: a token's result is bit-identical whatever the batch size (batch invariance) and
     * whichever thread computes it. A single input takes the fused {@link #dotRows}; a batch decodes each row once
     * into a scratch row (in L1) and dots it with four inputs at a time. The inputs are first copied to an aligned
     * native buffer (see {@link VectorMath}).
     */
    public void matmul(float[] x, int n, float[] out, Parallel pool) {
        if (x.length < n * cols || out.length < n * rows) {
            throw new IllegalArgumentException(this + ": " + n + " inputs need x[" + n * cols + "] and out[" + n * rows + "]");
        }
        MatmulTask task = MatmulTask.CURRENT.get();
        task.set(this, task.input(x, n * cols), n, out);
        try {
            pool.forRange(rows, 16, task);
        } finally {
            task.set(null, null, 0, null);
        }
    }

    static final boolean FUSED = !Boolean.getBoolean("skipjack.noFused"); // TEMP experiment switch

    /**
     * Fused kernel for small batches: {@code out[oo + t*os + r] = dot(row r, input t)} for the {@code nt <= 4} inputs
     * at byte offsets {@code xo + t*xs} and rows {@code [r0, r1)}, decoding each weight vector once in registers for
     * all of them. Returns false where a type has no such kernel (the caller then takes the decoded-row path).
     */
    boolean dotRows4(int r0, int r1, MemorySegment x, long xo, long xs, int nt, float[] out, int oo, int os) {
        return false;
    }

    /**
     * The kernel over rows {@code [r0, r1)}; {@code x} holds the n inputs as native floats. A batch decodes four rows
     * at a time and runs {@link VectorMath#chains4x4} over each four-input tile (half a load per FMA); leftover rows
     * and inputs take {@link VectorMath#dot4}, {@link VectorMath#dot2} and {@link VectorMath#dot}, all in the same order.
     */
    final void matmulRows(MemorySegment x, int n, float[] out, int r0, int r1) {
        if (n == 1) {
            dotRows(r0, r1, x, 0, out);
            return;
        }
        long stride = 4L * cols;
        if (n <= 4 && FUSED && dotRows4(r0, r1, x, 0, stride, n, out, 0, rows)) return;
        float[] w = Scratch.row(4 * cols), acc = Scratch.acc();
        int main = cols - cols % (4 * Simd.L);
        for (int b0 = r0; b0 < r1; b0 += 4) {
            int b1 = Math.min(r1, b0 + 4);
            if (Simd.ENABLED) decodeRows(b0, b1, w, 0);
            else for (int r = b0; r < b1; r++) dequantizeRowScalar(r, w, (r - b0) * cols);
            int t = 0;
            if (b1 - b0 == 4) {
                for (; t + 4 <= n; t += 4) {
                    VectorMath.chains4x4(w, 0, cols, x, t * stride, stride, main, acc);
                    VectorMath.finish4x4(acc, w, 0, cols, x, t * stride, stride, cols, out, t * rows + b0, rows);
                }
            }
            for (; t + 4 <= n; t += 4) {
                for (int r = b0; r < b1; r++) VectorMath.dot4(w, (r - b0) * cols, x, t * stride, stride, cols, out, t * rows + r, rows, acc);
            }
            for (; t + 2 <= n; t += 2) {
                for (int r = b0; r < b1; r++) VectorMath.dot2(w, (r - b0) * cols, x, t * stride, stride, cols, out, t * rows + r, rows, acc);
            }
            if (t < n) {
                for (int r = b0; r < b1; r++) out[t * rows + r] = VectorMath.dot(w, (r - b0) * cols, x, t * stride, cols);
            }
        }
    }

    /**
     * The loop body handed to {@link Parallel}, with the aligned input buffer: one reusable instance per calling
     * thread, so a matmul allocates nothing (a capturing lambda would allocate on every call).
     */
    private static final class MatmulTask implements Parallel.RangeBody {
        static final ThreadLocal<MatmulTask> CURRENT = ThreadLocal.withInitial(MatmulTask::new);
        private MemorySegment buffer = MemorySegment.NULL;
        private WeightTensor w;
        private MemorySegment x;
        private float[] out;
        private int n;

        /** {@code x[0..len)} copied into the 64-byte aligned native buffer (grown as needed). */
        MemorySegment input(float[] x, int len) {
            if (buffer.byteSize() < 4L * len) buffer = Arena.ofAuto().allocate(Math.max(4L * len, 2 * buffer.byteSize()), 64);
            MemorySegment.copy(x, 0, buffer, Bytes.NATIVE_FLOAT, 0, len);
            return buffer;
        }

        void set(WeightTensor w, MemorySegment x, int n, float[] out) { this.w = w; this.x = x; this.n = n; this.out = out; }

        @Override public void run(int worker, int start, int end) { w.matmulRows(x, n, out, start, end); }
    }

    @Override
    public String toString() { return name + " " + type() + " [" + rows + " x " + cols + "]"; }
}

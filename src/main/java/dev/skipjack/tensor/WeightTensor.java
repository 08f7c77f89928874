package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.TensorInfo;

import java.lang.foreign.MemorySegment;

/**
 * A read-only matrix of {@code rows x cols} weights in one GGML type, backed by the memory-mapped file.
 * One subclass per tensor type supplies the block decoding; the matmul loop lives here so every type shares
 * the same summation order (see {@link #matmul}).
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
    public abstract void dequantizeRow(int row, float[] dst, int off);

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
     * Each row is decoded once and then dotted with all n inputs. The dot product's summation order depends
     * only on {@code cols}, so a token's result is bit-identical whatever the batch size (batch invariance).
     */
    public void matmul(float[] x, int n, float[] out, Parallel pool) {
        pool.forRange(rows, 16, (worker, r0, r1) -> matmulRows(x, n, out, r0, r1, Scratch.row(worker, cols)));
    }

    /** The kernel over rows {@code [r0, r1)}; {@code rowBuf} is a scratch array of at least {@code cols} floats. */
    protected void matmulRows(float[] x, int n, float[] out, int r0, int r1, float[] rowBuf) {
        for (int r = r0; r < r1; r++) {
            dequantizeRow(r, rowBuf, 0);
            for (int t = 0; t < n; t++) {
                out[t * rows + r] = VectorMath.dot(rowBuf, 0, x, t * cols, cols);
            }
        }
    }

    @Override
    public String toString() { return name + " " + type() + " [" + rows + " x " + cols + "]"; }
}

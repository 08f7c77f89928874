package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** IEEE half-precision weights. */
public final class F16Tensor extends WeightTensor {
    F16Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.F16; }
    @Override public void dequantizeRow(int row, float[] dst, int off) {
        long base = (long) row * rowBytes;
        for (int i = 0; i < cols; i++) dst[off + i] = Bytes.f16(data, base + 2L * i);
    }
}

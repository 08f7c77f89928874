package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** 32-bit float weights. */
public final class F32Tensor extends WeightTensor {
    F32Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.F32; }
    @Override public void dequantizeRow(int row, float[] dst, int off) {
        MemorySegment.copy(data, Bytes.FLOAT, (long) row * rowBytes, dst, off, cols);
    }
}

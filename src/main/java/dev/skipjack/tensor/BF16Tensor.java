package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** bfloat16 weights: the top 16 bits of a float32. */
public final class BF16Tensor extends WeightTensor {
    BF16Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.BF16; }
    @Override public void dequantizeRow(int row, float[] dst, int off) {
        long base = (long) row * rowBytes;
        for (int i = 0; i < cols; i++) dst[off + i] = Bytes.bf16(data, base + 2L * i);
    }
}

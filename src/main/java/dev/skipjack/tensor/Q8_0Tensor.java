package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** Q8_0: blocks of 32 weights = f16 scale d, then 32 signed bytes q; w = d * q. */
public final class Q8_0Tensor extends WeightTensor {
    Q8_0Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q8_0; }
    @Override public void dequantizeRow(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 32; b++, p += 34) {
            float d = Bytes.f16(data, p);
            for (int j = 0; j < 32; j++) dst[off + b * 32 + j] = d * Bytes.i8(data, p + 2 + j);
        }
    }
}

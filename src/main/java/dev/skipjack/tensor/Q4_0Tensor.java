package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q4_0: blocks of 32 weights = f16 scale d, then 16 bytes of nibbles. Byte j holds weight j in its low
 * nibble and weight j+16 in its high nibble; w = d * (nibble - 8).
 */
public final class Q4_0Tensor extends WeightTensor {
    Q4_0Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q4_0; }
    @Override public void dequantizeRow(int row, float[] dst, int off) {
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
}

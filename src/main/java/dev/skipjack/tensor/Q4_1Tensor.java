package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** Q4_1: blocks of 32 = f16 scale d, f16 minimum m, 16 bytes of nibbles (layout as Q4_0); w = d * nibble + m. */
public final class Q4_1Tensor extends WeightTensor {
    Q4_1Tensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q4_1; }
    @Override public void dequantizeRow(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 32; b++, p += 20) {
            float d = Bytes.f16(data, p), m = Bytes.f16(data, p + 2);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(data, p + 4 + j);
                dst[o + j] = (q & 0xF) * d + m;
                dst[o + j + 16] = (q >>> 4) * d + m;
            }
        }
    }
}

package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K: super-blocks of 256 = 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 signed 8-bit scales,
 * f16 d. Each half (128 weights) uses 64 ql bytes, 32 qh bytes and 8 scales (one per 16 weights);
 * w = d * scale * (q - 32).
 */
public final class Q6_KTensor extends WeightTensor {
    Q6_KTensor(String name, int rows, int cols, MemorySegment data) { super(name, rows, cols, data); }
    @Override public GgmlType type() { return GgmlType.Q6_K; }
    @Override public void dequantizeRow(int row, float[] dst, int off) {
        long p = (long) row * rowBytes;
        for (int b = 0; b < cols / 256; b++, p += 210) {
            float d = Bytes.f16(data, p + 208);
            int o = off + b * 256;
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half, qh = p + 128 + 32L * half, sc = p + 192 + 8L * half;
                int y = o + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = Bytes.u8(data, ql + l), a2 = Bytes.u8(data, ql + l + 32), h = Bytes.u8(data, qh + l);
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((a2 & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((a2 >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * Bytes.i8(data, sc + is) * q1;
                    dst[y + l + 32] = d * Bytes.i8(data, sc + is + 2) * q2;
                    dst[y + l + 64] = d * Bytes.i8(data, sc + is + 4) * q3;
                    dst[y + l + 96] = d * Bytes.i8(data, sc + is + 6) * q4;
                }
            }
        }
    }
}

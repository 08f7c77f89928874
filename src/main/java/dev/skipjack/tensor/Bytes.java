package dev.skipjack.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian accessors for GGML block fields. */
final class Bytes {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Floats of the engine's own native buffers (activation copies), not of the file. */
    static final ValueLayout.OfFloat NATIVE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Bytes() {}

    static float f16(MemorySegment s, long off) { return Float.float16ToFloat(s.get(SHORT, off)); }

    /**
     * {@link #f16}, by table lookup where {@code lookup}. In a vector kernel the scale is broadcast to every lane: converted
     * in registers that is a move, a conversion and a broadcast on the vector ports, which decoding the weights saturates;
     * looked up, the broadcast reads the table entry from memory and uses only a load port (one input, 2 threads, 1536 x
     * 576 in the cache: Q4_0 0.034 -> 0.030 ms, Q8_0 0.033 -> 0.030). A matrix benchmark from memory once measured the
     * opposite (Q8_0 8192 x 2048: 0.89 -> 0.99 ms), but whole models gain there too: Llama-3.2-1B Q8_0 decode 77 -> 70
     * ms per token, Q4_0 58 -> 53 (with {@link Q8_0Tensor#dotRows4}).
     */
    static float f16(MemorySegment s, long off, boolean lookup) {
        short h = s.get(SHORT, off);
        return lookup ? F16_VALUES[h & 0xFFFF] : Float.float16ToFloat(h);
    }

    private static final float[] F16_VALUES = new float[1 << 16];
    static { for (int h = 0; h < 1 << 16; h++) F16_VALUES[h] = Float.float16ToFloat((short) h); }
    static float bf16(MemorySegment s, long off) { return Float.intBitsToFloat((s.get(SHORT, off) & 0xFFFF) << 16); }
    static int u8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF; }
    static int i8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off); }
}

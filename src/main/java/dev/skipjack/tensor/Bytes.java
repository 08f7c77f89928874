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
    static float bf16(MemorySegment s, long off) { return Float.intBitsToFloat((s.get(SHORT, off) & 0xFFFF) << 16); }
    static int u8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF; }
    static int i8(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_BYTE, off); }
}

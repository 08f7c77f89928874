package dev.skipjack.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector loads of GGML fields widened to {@link VectorMath#F} (L float lanes): L bytes, L 16-bit floats.
 * Every conversion is exact and elementwise, so a decoded vector equals the scalar decoding lane by lane.
 */
final class Simd {
    static final VectorSpecies<Float> F = VectorMath.F;
    static final int L = VectorMath.L;
    /**
     * The vector kernels need L-lane byte vectors (at least 64 bits) and L dividing the 32-weight blocks:
     * L = 8 (AVX2) or 16 (AVX-512). Elsewhere the tensors fall back to scalar decoding + {@link VectorMath#dot}.
     */
    static final boolean ENABLED = L == 8 || L == 16;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Short> S = ENABLED ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : null;
    static final VectorSpecies<Byte> B = ENABLED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Simd() {}

    /** L signed bytes at {@code off} as floats. */
    static FloatVector i8(MemorySegment s, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(B, s, off, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /** L bytes as floats (values are small non-negative quants, so sign-extension is the same as zero-extension). */
    static FloatVector b2f(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * The high nibbles of {@code b}'s bytes, via a 16-bit shift and a mask: x86 has no byte shifts, and C2's
     * emulation of {@code lanewise(LSHR, 4)} on bytes costs five instructions.
     */
    static ByteVector high4(ByteVector b) {
        return b.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0xF);
    }

    /** L raw bytes at {@code off}. */
    static ByteVector bytes(MemorySegment s, long off) {
        return ByteVector.fromMemorySegment(B, s, off, LE);
    }

    /**
     * Whether nibbles decode by table lookup: a 16-entry table of the block's 16 possible weights, indexed by each
     * nibble, is one {@code vpermd} per 16 weights, where converting the nibble to float and scaling it takes three
     * instructions (Q4_0 256 x 2048, one input, one thread in L2: 0.050 -> 0.036 ms). Needs 16 lanes (AVX-512).
     */
    static final boolean TABLES = L == 16;

    /** The 16 nibble values 0..15 as floats (only with {@link #TABLES}). */
    static final FloatVector NIBBLES = TABLES ? FloatVector.fromArray(F, new float[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0) : null;

    /** 16 bytes at {@code off}, each in an int lane (sign-extended: only the low bits are used as indexes). */
    static IntVector byteLanes(MemorySegment s, long off) {
        return (IntVector) ByteVector.fromMemorySegment(B, s, off, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    /** {@code table[idx & 15]} per lane: the table holds float bits. */
    static FloatVector lookup(IntVector table, IntVector idx) {
        return idx.selectFrom(table).reinterpretAsFloats();
    }

    /** {@code table[(idx >>> 4) & 15]} per lane: the high nibble of each byte lane. */
    static FloatVector lookupHigh(IntVector table, IntVector idx) {
        return idx.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats();
    }

    /** L floats at {@code off}. */
    static FloatVector f32(MemorySegment s, long off) {
        return FloatVector.fromMemorySegment(F, s, off, LE);
    }

    /** L bfloat16 at {@code off}: the 16 bits moved to the top of an int (sign-extension bits shift out). */
    static FloatVector bf16(MemorySegment s, long off) {
        IntVector i = (IntVector) ShortVector.fromMemorySegment(S, s, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * L IEEE halves at {@code off}, exactly {@link Float#float16ToFloat} (NaN payloads kept). Normal values and
     * inf/NaN rebias the exponent with an integer add; subnormals and zeros are {@code significand * 2^-24}
     * computed in float (exact), which avoids denormal operands.
     */
    static FloatVector f16(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, s, off, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector mag = h.and(0x7FFF);
        IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
        VectorMask<Integer> infNan = mag.compare(VectorOperators.GE, 0x7C00);
        IntVector bias = IntVector.broadcast(I, 112 << 23).blend(224 << 23, infNan); // exponent 15 -> 127, 31 -> 255
        IntVector normal = shifted.add(bias);
        IntVector tiny = ((FloatVector) mag.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
        IntVector bits = normal.blend(tiny, mag.compare(VectorOperators.LT, 0x0400));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}

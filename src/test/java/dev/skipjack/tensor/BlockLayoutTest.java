package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding of hand-built blocks. Every block here is assembled byte by byte from the GGML block-layout
 * definitions (independently of the quantizer and of the decoders' loop structure), and the expected weights
 * are computed element by element from the definition's formula. Scales are powers of two (or small dyadic
 * numbers) so every expected value is exact and the comparisons are bit-for-bit.
 */
class BlockLayoutTest {

    private static ByteBuffer le(int size) { return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN); }

    /** Value at (row, col) via dequantizeRow. */
    private static float at(WeightTensor w, int row, int col) {
        float[] buf = new float[w.cols()];
        w.dequantizeRow(row, buf, 0);
        return buf[col];
    }

    /**
     * Checks every row against {@code expected[row][col]} (exact), decoding into the middle of a larger array
     * to check the destination offset, and that nothing outside the row is written. Also checks toFloatArray.
     */
    private static void assertRows(WeightTensor w, double[][] expected) {
        assertEquals(expected.length, w.rows());
        int cols = w.cols();
        for (int row = 0; row < expected.length; row++) {
            final int r = row;
            float[] buf = new float[cols + 10];
            java.util.Arrays.fill(buf, 12345f);
            w.dequantizeRow(r, buf, 7);
            for (int i = 0; i < 7; i++) assertEquals(12345f, buf[i], "wrote before offset");
            for (int i = cols + 7; i < buf.length; i++) assertEquals(12345f, buf[i], "wrote past row end");
            for (int c = 0; c < cols; c++) {
                final int col = c;
                float want = (float) expected[r][c], got = buf[7 + c];
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                        () -> w + " at row " + r + " col " + col + ": want " + want + ", got " + got);
            }
        }
        float[] all = w.toFloatArray();
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < cols; c++) assertEquals((float) expected[r][c], all[r * cols + c]);
        }
    }

    // ---------------------------------------------------------------- plain float types

    @Test
    void f32() {
        float[][] v = {{1.5f, -0.0f, Float.MAX_VALUE}, {Float.MIN_VALUE, -7.25f, Float.NEGATIVE_INFINITY}};
        ByteBuffer b = le(24);
        for (float[] row : v) for (float x : row) b.putFloat(x);
        b.putInt(12, 0x7FC00123); // overwrite row 1 col 0 with a NaN carrying a payload
        WeightTensor w = TensorTestSupport.tensor("f32", GgmlType.F32, 2, 3, b.array());
        assertEquals(GgmlType.F32, w.type());
        assertEquals(-0.0f, at(w, 0, 1));
        assertEquals(Float.MAX_VALUE, at(w, 0, 2));
        assertEquals(0x7FC00123, Float.floatToRawIntBits(at(w, 1, 0)));
        assertEquals(-7.25f, at(w, 1, 1));
        assertEquals(Float.NEGATIVE_INFINITY, at(w, 1, 2));
        assertEquals(1.5f, at(w, 0, 0));
    }

    @Test
    void f16() {
        int[] bits = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x3E00, 0xFC00, 0x0400, 0x03FF, 0xB4CD};
        ByteBuffer b = le(bits.length * 2);
        for (int h : bits) b.putShort((short) h);
        WeightTensor w = TensorTestSupport.tensor("f16", GgmlType.F16, 3, 4, b.array());
        double[][] want = {
                {1.0, -2.0, 1365.0 / 4096, 65504.0},
                {Math.scalb(1.0, -24), -0.0, Double.POSITIVE_INFINITY, 1.5},
                {Double.NEGATIVE_INFINITY, Math.scalb(1.0, -14), 1023 * Math.scalb(1.0, -24), -(1 + 205.0 / 1024) / 4}};
        assertRows(w, want);
        assertEquals(0.333251953125f, at(w, 0, 2));
        assertEquals(-0.30004883f, at(w, 2, 3)); // 0xB4CD: sign, exponent 13-15 = -2, mantissa 0x0CD = 205
    }

    @Test
    void f16NaN() {
        WeightTensor w = TensorTestSupport.heapTensor("nan", GgmlType.F16, 1, 2, new byte[]{0x00, 0x7E, 0x01, (byte) 0xFC});
        assertTrue(Float.isNaN(at(w, 0, 0)));
        assertTrue(Float.isNaN(at(w, 0, 1)));
    }

    @Test
    void bf16() {
        int[] bits = {0x3F80, 0xC040, 0x4049, 0x0001, 0x7F80, 0xFF80, 0x8000, 0x477F};
        ByteBuffer b = le(bits.length * 2);
        for (int h : bits) b.putShort((short) h);
        WeightTensor w = TensorTestSupport.tensor("bf16", GgmlType.BF16, 2, 4, b.array());
        double[][] want = {
                {1.0, -3.0, 3.140625, Math.scalb(1.0, -133)},
                {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 65280.0}};
        assertRows(w, want);
        assertEquals(3.140625f, at(w, 0, 2));
        WeightTensor nan = TensorTestSupport.heapTensor("nan", GgmlType.BF16, 1, 1, new byte[]{(byte) 0x81, 0x7F}); // 0x7F81: NaN
        assertTrue(Float.isNaN(at(nan, 0, 0)));
    }

    // ---------------------------------------------------------------- 32-weight block types

    /** Q8_0 block = f16 d, then 32 int8 q; w[j] = d * q[j]. Two rows of two blocks. */
    @Test
    void q8_0() {
        int[] dBits = {0x3800, 0xB400, 0x4100, 0x1400};          // 0.5, -0.25, 2.5, 2^-10
        double[] d = {0.5, -0.25, 2.5, 1.0 / 1024};
        int[][] q = new int[4][32];
        for (int k = 0; k < 4; k++) for (int j = 0; j < 32; j++) q[k][j] = ((k * 32 + j) * 13) % 256 - 128;
        q[0][31] = 127;                                           // both ends of the int8 range
        ByteBuffer b = le(4 * 34);
        for (int k = 0; k < 4; k++) {
            b.putShort((short) dBits[k]);
            for (int j = 0; j < 32; j++) b.put((byte) q[k][j]);
        }
        WeightTensor w = TensorTestSupport.tensor("q8", GgmlType.Q8_0, 2, 64, b.array());
        double[][] want = new double[2][64];
        for (int r = 0; r < 2; r++) for (int c = 0; c < 64; c++) want[r][c] = d[2 * r + c / 32] * q[2 * r + c / 32][c % 32];
        assertRows(w, want);
        assertEquals(-64f, at(w, 0, 0));             // 0.5 * -128
        assertEquals(63.5f, at(w, 0, 31));           // 0.5 * 127
        assertEquals(-11.25f, at(w, 0, 33));         // -0.25 * 45
        assertEquals(-0.0927734375f, at(w, 1, 37));  // 2^-10 * -95
    }

    /** Q4_0 block = f16 d, 16 bytes; byte j: low nibble = weight j, high nibble = weight j+16; w = d*(n-8). */
    @Test
    void q4_0() {
        int[] dBits = {0x3C00, 0xB800, 0x4400, 0x2C00};          // 1, -0.5, 4, 2^-4
        double[] d = {1, -0.5, 4, 0.0625};
        byte[] bytes = new byte[4 * 18];
        double[][] want = new double[2][64];
        for (int k = 0; k < 4; k++) {
            bytes[18 * k] = (byte) dBits[k];
            bytes[18 * k + 1] = (byte) (dBits[k] >> 8);
            for (int i = 0; i < 32; i++) {
                int n = (k * 7 + i * 5) % 16;
                bytes[18 * k + 2 + i % 16] |= (byte) (n << (i < 16 ? 0 : 4));
                want[k / 2][32 * (k % 2) + i] = d[k] * (n - 8);
            }
        }
        WeightTensor w = TensorTestSupport.tensor("q4_0", GgmlType.Q4_0, 2, 64, bytes);
        assertRows(w, want);
        assertEquals(-4f, at(w, 0, 20));    // n = 100 % 16 = 4
        assertEquals(3f, at(w, 0, 47));     // block 1, n = 82 % 16 = 2: -0.5 * -6
        assertEquals(0.375f, at(w, 1, 53)); // block 3, n = 126 % 16 = 14: 0.0625 * 6
        assertEquals(-8f, at(w, 0, 0));     // n = 0: 1 * (0 - 8)
    }

    /** Q4_1 block = f16 d, f16 m, 16 nibble bytes as Q4_0; w = d*n + m. */
    @Test
    void q4_1() {
        int[][] dm = {{0x3800, 0xC400}, {0x3400, 0x3E00}, {0xBC00, 0x0000}, {0x2400, 0xB000}};
        double[][] dmv = {{0.5, -4}, {0.25, 1.5}, {-1, 0}, {0.015625, -0.125}};
        ByteBuffer b = le(4 * 20);
        double[][] want = new double[2][64];
        for (int k = 0; k < 4; k++) {
            b.putShort((short) dm[k][0]).putShort((short) dm[k][1]);
            byte[] nib = new byte[16];
            for (int i = 0; i < 32; i++) {
                int n = (k * 3 + i * 11) % 16;
                if (i < 16) nib[i] |= (byte) n; else nib[i - 16] |= (byte) (n << 4);
                want[k / 2][32 * (k % 2) + i] = dmv[k][0] * n + dmv[k][1];
            }
            b.put(nib);
        }
        WeightTensor w = TensorTestSupport.tensor("q4_1", GgmlType.Q4_1, 2, 64, b.array());
        assertRows(w, want);
        assertEquals(1.5f, at(w, 0, 17));        // n = 187 % 16 = 11: 0.5*11 - 4
        assertEquals(-0.109375f, at(w, 1, 40));  // block 3, n = 97 % 16 = 1: 0.015625 - 0.125
        assertEquals(2.25f, at(w, 0, 32));       // block 1, i = 0: n = 3: 0.25*3 + 1.5
    }

    // ---------------------------------------------------------------- K-quants

    /**
     * The 12 scale bytes of Q4_K/Q5_K, built bit by bit from the layout definition: sub-block j < 4 keeps its
     * 6-bit scale in bits 0-5 of byte j and its min in bits 0-5 of byte j+4; sub-block j >= 4 keeps the low
     * 4 bits of its scale in bits 0-3 of byte j+4 and the top 2 in bits 6-7 of byte j-4, the low 4 bits of its
     * min in bits 4-7 of byte j+4 and the top 2 in bits 6-7 of byte j.
     */
    static byte[] packScaleBytes(int[] sc, int[] mn) {
        byte[] s = new byte[12];
        for (int j = 0; j < 8; j++) {
            for (int bit = 0; bit < 6; bit++) {
                int sb = (sc[j] >> bit) & 1, mb = (mn[j] >> bit) & 1;
                int sByte, sBit, mByte, mBit;
                if (j < 4) { sByte = j; sBit = bit; mByte = j + 4; mBit = bit; }
                else if (bit < 4) { sByte = j + 4; sBit = bit; mByte = j + 4; mBit = bit + 4; }
                else { sByte = j - 4; sBit = bit + 2; mByte = j; mBit = bit + 2; }
                s[sByte] |= (byte) (sb << sBit);
                s[mByte] |= (byte) (mb << mBit);
            }
        }
        return s;
    }

    private static final int[] SC0 = {1, 63, 17, 32, 45, 2, 60, 33};
    private static final int[] MN0 = {0, 5, 63, 12, 40, 7, 1, 50};
    /** SC0/MN0 packed by hand (see the comment on packScaleBytes). */
    private static final int[] SCALES0 = {0x81, 0x3F, 0xD1, 0xA0, 0x80, 0x05, 0x3F, 0xCC, 0x8D, 0x72, 0x1C, 0x21};

    @Test
    void scalePackingHelperMatchesHandPackedBytes() {
        byte[] s = packScaleBytes(SC0, MN0);
        for (int i = 0; i < 12; i++) assertEquals(SCALES0[i], s[i] & 0xFF, "byte " + i);
    }

    @Test
    void kQuantsScaleMinDecoding() {
        byte[] s = new byte[12];
        for (int i = 0; i < 12; i++) s[i] = (byte) SCALES0[i];
        var seg = java.lang.foreign.MemorySegment.ofArray(s);
        for (int j = 0; j < 8; j++) {
            int sm = KQuants.scaleMin(seg, 0, j);
            assertEquals(SC0[j], sm & 0xFF, "scale " + j);
            assertEquals(MN0[j], sm >>> 8, "min " + j);
        }
    }

    private static int[] kSc(int k) {
        if (k == 0) return SC0;
        int[] s = new int[8];
        for (int j = 0; j < 8; j++) s[j] = (k * 13 + j * 29) % 64;
        return s;
    }

    private static int[] kMn(int k) {
        if (k == 0) return MN0;
        int[] m = new int[8];
        for (int j = 0; j < 8; j++) m[j] = (k * 7 + j * 41 + 5) % 64;
        return m;
    }

    private static final int[] KD_BITS = {0x3800, 0x1C00, 0x3C00, 0xB000};     // 0.5, 2^-8, 1, -0.125
    private static final double[] KD = {0.5, 1.0 / 256, 1, -0.125};
    private static final int[] KDMIN_BITS = {0x3400, 0x1400, 0x0000, 0x3800};  // 0.25, 2^-10, 0, 0.5
    private static final double[] KDMIN = {0.25, 1.0 / 1024, 0, 0.5};

    /**
     * Q4_K super-block (144 bytes) = f16 d, f16 dmin, 12 scale bytes, 128 bytes qs. Weight i (0..255) is in
     * sub-block i/32 and its nibble lives in qs[32*(i/64) + i%32], low half when i%64 < 32, else high half.
     * w = d*scale*q - dmin*min. Two rows of two super-blocks.
     */
    @Test
    void q4_K() {
        byte[] bytes = new byte[4 * 144];
        double[][] want = new double[2][512];
        for (int k = 0; k < 4; k++) {
            int base = 144 * k;
            int[] sc = kSc(k), mn = kMn(k);
            ByteBuffer.wrap(bytes, base, 4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) KD_BITS[k]).putShort((short) KDMIN_BITS[k]);
            System.arraycopy(packScaleBytes(sc, mn), 0, bytes, base + 4, 12);
            for (int i = 0; i < 256; i++) {
                int q = (k * 5 + i * 7 + i / 32) % 16;
                bytes[base + 16 + 32 * (i / 64) + i % 32] |= (byte) (q << (i % 64 < 32 ? 0 : 4));
                want[k / 2][256 * (k % 2) + i] = KD[k] * sc[i / 32] * q - KDMIN[k] * mn[i / 32];
            }
        }
        WeightTensor w = TensorTestSupport.tensor("q4_k", GgmlType.Q4_K, 2, 512, bytes);
        assertRows(w, want);
        // Spot values worked out by hand from the definition:
        assertEquals(124.75f, at(w, 0, 37));   // sub-block 1 (sc 63, min 5), q = 260 % 16 = 4: 0.5*63*4 - 0.25*5
        assertEquals(35f, at(w, 0, 130));      // sub-block 4 (sc 45, min 40), q = 914 % 16 = 2: 45 - 10
        assertEquals(419.75f, at(w, 0, 200));  // sub-block 6 (sc 60, min 1), q = 1406 % 16 = 14: 420 - 0.25
        assertEquals(-12.5f, at(w, 0, 255));   // sub-block 7 (sc 33, min 50), q = 0: -0.25*50
        assertEquals(260f, at(w, 1, 0));       // super-block 2: d 1, dmin 0, sc 26, q 10
        assertEquals(-3.5f, at(w, 1, 300));    // super-block 3, i 44: sc 4, min 3, q 4: -0.125*16 - 1.5
    }

    /**
     * Q5_K super-block (176 bytes) = f16 d, f16 dmin, 12 scale bytes, 32 bytes qh, 128 bytes qs. Low 4 bits
     * of q as in Q4_K; the fifth bit of weight i is bit (i/32) of qh[i%32]. w = d*scale*q - dmin*min.
     */
    @Test
    void q5_K() {
        byte[] bytes = new byte[4 * 176];
        double[][] want = new double[2][512];
        for (int k = 0; k < 4; k++) {
            int base = 176 * k;
            int[] sc = kSc(k), mn = kMn(k);
            ByteBuffer.wrap(bytes, base, 4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) KD_BITS[k]).putShort((short) KDMIN_BITS[k]);
            System.arraycopy(packScaleBytes(sc, mn), 0, bytes, base + 4, 12);
            for (int i = 0; i < 256; i++) {
                int q = (k * 5 + i * 7 + i / 32) % 32;
                bytes[base + 48 + 32 * (i / 64) + i % 32] |= (byte) ((q & 15) << (i % 64 < 32 ? 0 : 4));
                bytes[base + 16 + i % 32] |= (byte) ((q >> 4) << (i / 32));
                want[k / 2][256 * (k % 2) + i] = KD[k] * sc[i / 32] * q - KDMIN[k] * mn[i / 32];
            }
        }
        WeightTensor w = TensorTestSupport.tensor("q5_k", GgmlType.Q5_K, 2, 512, bytes);
        assertRows(w, want);
        assertEquals(124.75f, at(w, 0, 37));   // q = 260 % 32 = 4 (fifth bit clear)
        assertEquals(493f, at(w, 0, 100));     // sub-block 3 (sc 32, min 12), q = 703 % 32 = 31: 496 - 3
        assertEquals(395f, at(w, 0, 130));     // sub-block 4 (sc 45, min 40), q = 914 % 32 = 18: 405 - 10
        assertEquals(899.75f, at(w, 0, 200));  // sub-block 6 (sc 60, min 1), q = 1406 % 32 = 30: 900 - 0.25
        assertEquals(-12.5f, at(w, 0, 255));
    }

    /**
     * Q6_K super-block (210 bytes) = 128 bytes ql, 64 bytes qh, 16 int8 scales, f16 d. Weight i: half h = i/128,
     * k = i%128, group g = k/32, l = k%32; low 4 bits in ql[64h + l + 32*(g%2)] (low nibble for g < 2, else
     * high), top 2 bits in bits 2g..2g+1 of qh[32h + l]; scale = scales[i/16]. w = d * scale * (q - 32).
     */
    @Test
    void q6_K() {
        int[] dBits = {0x3800, 0xAC00, 0x0C00, 0x3C00};     // 0.5, -0.0625, 2^-12, 1
        double[] d = {0.5, -0.0625, 1.0 / 4096, 1};
        int[] sc0 = {1, -1, 127, -128, 64, -64, 3, -7, 10, 20, -30, 40, 50, -60, 70, 0};
        byte[] bytes = new byte[4 * 210];
        double[][] want = new double[2][512];
        for (int k = 0; k < 4; k++) {
            int base = 210 * k;
            int[] sc = new int[16];
            for (int j = 0; j < 16; j++) sc[j] = k == 0 ? sc0[j] : (byte) (k * 37 + j * 53 - 100);
            for (int j = 0; j < 16; j++) bytes[base + 192 + j] = (byte) sc[j];
            bytes[base + 208] = (byte) dBits[k];
            bytes[base + 209] = (byte) (dBits[k] >> 8);
            for (int i = 0; i < 256; i++) {
                int q = (k * 11 + i * 13 + i / 64) % 64;
                int h = i / 128, g = (i % 128) / 32, l = i % 32;
                bytes[base + 64 * h + l + 32 * (g % 2)] |= (byte) ((q & 15) << (g < 2 ? 0 : 4));
                bytes[base + 128 + 32 * h + l] |= (byte) ((q >> 4) << (2 * g));
                want[k / 2][256 * (k % 2) + i] = d[k] * sc[i / 16] * (q - 32);
            }
        }
        WeightTensor w = TensorTestSupport.tensor("q6_k", GgmlType.Q6_K, 2, 512, bytes);
        assertRows(w, want);
        assertEquals(-16f, at(w, 0, 0));       // scale 1, q 0: 0.5 * -32
        assertEquals(63.5f, at(w, 0, 37));     // scale 127, q = 481 % 64 = 33
        assertEquals(-256f, at(w, 0, 52));     // scale -128, q = 676 % 64 = 36
        assertEquals(1.5f, at(w, 0, 96));      // scale 3, q = 1249 % 64 = 33
        assertEquals(-70f, at(w, 0, 127));     // scale -7, q = 1652 % 64 = 52
        assertEquals(275f, at(w, 0, 200));     // scale 50, q = 2603 % 64 = 43
        assertEquals(0f, at(w, 0, 255));       // scale 0
    }

    @Test
    void heapAndNativeSegmentsDecodeAlike() {
        byte[] bytes = new byte[144 * 2];
        new java.util.Random(5).nextBytes(bytes);
        for (int k = 0; k < 2; k++) { bytes[144 * k] = 0x00; bytes[144 * k + 1] = 0x30; bytes[144 * k + 2] = 0; bytes[144 * k + 3] = 0x2C; }
        assertArrayEquals(TensorTestSupport.tensor("a", GgmlType.Q4_K, 2, 256, bytes).toFloatArray(),
                TensorTestSupport.heapTensor("b", GgmlType.Q4_K, 2, 256, bytes).toFloatArray());
    }
}

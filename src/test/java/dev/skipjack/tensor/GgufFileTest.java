package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.GgufWriter;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.tensor.quant.Quantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** GGUF writer/reader round trip, hand-built files, and the reader's errors on broken files. */
class GgufFileTest {
    @TempDir
    Path tmp;

    private record Spec(String name, long[] shape, GgmlType type) {}

    private static final List<Spec> SPECS = List.of(
            new Spec("token_embd.weight", new long[]{64, 5}, GgmlType.F32),
            new Spec("norm.weight", new long[]{3}, GgmlType.F32),             // 12 bytes: next tensor needs padding
            new Spec("blk.0.f16.weight", new long[]{7, 3}, GgmlType.F16),
            new Spec("blk.0.bf16.weight", new long[]{32, 3, 2}, GgmlType.BF16), // 3-D: rows = 6
            new Spec("blk.0.q8_0.weight", new long[]{64, 3}, GgmlType.Q8_0),
            new Spec("blk.0.q4_0.weight", new long[]{96, 2}, GgmlType.Q4_0),
            new Spec("blk.0.q4_1.weight", new long[]{32, 5}, GgmlType.Q4_1),
            new Spec("blk.0.ffn.weight", new long[]{256, 3}, GgmlType.Q4_K),
            new Spec("blk.0.q5_k.weight", new long[]{512, 2}, GgmlType.Q5_K),
            new Spec("output.weight", new long[]{256, 3}, GgmlType.Q6_K));

    private static long elements(long[] shape) { long n = 1; for (long d : shape) n *= d; return n; }

    /** Writes the SPECS tensors (quantized from seeded weights) plus metadata of every writer type; returns the bytes per tensor. */
    private static Map<String, byte[]> writeSample(Path file) throws IOException {
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "ünïcødé ✓ 名前 😀")
                .putUInt32("llama.context_length", 4294967295L)
                .putUInt32("llama.block_count", 1)
                .putInt32("test.negative", -5)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putBool("test.true", true)
                .putBool("test.false", false)
                .putStrings("tokenizer.ggml.tokens", List.of("<unk>", "", "a b", "😀"))
                .putFloats("tokenizer.ggml.scores", new float[]{0f, -1.5f, -0.0f, Float.NaN})
                .putInts("tokenizer.ggml.token_type", new int[]{1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE})
                .putInts("test.empty", new int[0])
                .putStrings("test.empty_strings", List.of());
        Map<String, byte[]> data = new LinkedHashMap<>();
        int seed = 0;
        for (Spec s : SPECS) {
            byte[] b = Quantizer.quantize(s.type, TensorTestSupport.weights(seed++, (int) elements(s.shape), 0.1f));
            w.addTensor(s.name, s.shape, s.type, b);
            data.put(s.name, b);
        }
        w.write(file);
        return data;
    }

    @Test
    void writerReaderRoundTrip() throws IOException {
        Path file = tmp.resolve("model.gguf");
        Map<String, byte[]> data = writeSample(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(3, f.version());
            Map<String, Object> want = new LinkedHashMap<>();
            want.put("general.architecture", "llama");
            want.put("general.name", "ünïcødé ✓ 名前 😀");
            want.put("llama.context_length", 4294967295L);
            want.put("llama.block_count", 1L);
            want.put("test.negative", -5);
            want.put("llama.attention.layer_norm_rms_epsilon", 1e-5f);
            want.put("test.true", true);
            want.put("test.false", false);
            want.put("tokenizer.ggml.tokens", List.of("<unk>", "", "a b", "😀"));
            want.put("tokenizer.ggml.scores", Arrays.asList(0f, -1.5f, -0.0f, Float.NaN));
            want.put("tokenizer.ggml.token_type", List.of(1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE));
            want.put("test.empty", List.of());
            want.put("test.empty_strings", List.of());
            assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(f.metadata().keySet()), "keys in file order");
            assertEquals(want, f.metadata());
            assertEquals("llama", f.requireString("general.architecture"));
            assertEquals(1, f.requireInt("llama.block_count"));
            assertEquals(4294967295L, f.getLong("llama.context_length", 0));
            assertEquals(1e-5f, f.getFloat("llama.attention.layer_norm_rms_epsilon", 0));
            assertTrue(f.getBool("test.true", false));
            assertEquals(4, f.<String>getList("tokenizer.ggml.tokens").size());

            assertEquals(0, f.dataOffset() % 32);
            assertEquals(SPECS.stream().map(Spec::name).toList(), new ArrayList<>(f.tensors().keySet()));
            for (Spec s : SPECS) {
                TensorInfo t = f.requireTensor(s.name);
                assertArrayEquals(s.shape, t.shape(), s.name);
                assertEquals(s.type, t.type(), s.name);
                assertEquals(0, t.offset() % 32, s.name + " offset alignment");
                assertArrayEquals(data.get(s.name), t.data().toArray(ValueLayout.JAVA_BYTE), s.name);
                WeightTensor wt = WeightTensor.of(t);
                assertEquals(t.rows(), wt.rows());
                assertArrayEquals(Quantizer.dequantize(s.type, data.get(s.name), (int) elements(s.shape)), wt.toFloatArray(), s.name);
            }
            assertEquals(6, f.requireTensor("blk.0.bf16.weight").rows());
            GgufException e = assertThrows(GgufException.class, () -> f.requireTensor("nope"));
            assertTrue(e.getMessage().contains("nope"));
        }
    }

    @Test
    void rewritingFromReadTensorsGivesIdenticalFile() throws IOException {
        Path a = tmp.resolve("a.gguf"), b = tmp.resolve("b.gguf");
        writeSample(a);
        try (GgufFile f = GgufFile.open(a)) {
            GgufWriter w = new GgufWriter()
                    .putString("general.architecture", f.requireString("general.architecture"))
                    .putString("general.name", f.requireString("general.name"))
                    .putUInt32("llama.context_length", f.getLong("llama.context_length", 0))
                    .putUInt32("llama.block_count", f.getLong("llama.block_count", 0))
                    .putInt32("test.negative", (Integer) f.metadata().get("test.negative"))
                    .putFloat32("llama.attention.layer_norm_rms_epsilon", f.getFloat("llama.attention.layer_norm_rms_epsilon", 0))
                    .putBool("test.true", true).putBool("test.false", false)
                    .putStrings("tokenizer.ggml.tokens", f.getList("tokenizer.ggml.tokens"))
                    .putFloats("tokenizer.ggml.scores", new float[]{0f, -1.5f, -0.0f, Float.NaN})
                    .putInts("tokenizer.ggml.token_type", f.<Integer>getList("tokenizer.ggml.token_type").stream().mapToInt(i -> i).toArray())
                    .putInts("test.empty", new int[0])
                    .putStrings("test.empty_strings", List.of());
            for (TensorInfo t : f.tensors().values()) w.addTensor(t.name(), t.shape(), t.type(), t.data().toArray(ValueLayout.JAVA_BYTE));
            w.write(b);
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    // ---------------------------------------------------------------- hand-built files

    /** Little-endian GGUF assembler for hand-built files. */
    private static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final boolean v1;

        Raw(boolean v1) { this.v1 = v1; }

        Raw i8(int v) { out.write(v); return this; }
        Raw i16(int v) { return i8(v).i8(v >> 8); }
        Raw i32(int v) { return i16(v).i16(v >> 16); }
        Raw i64(long v) { return i32((int) v).i32((int) (v >>> 32)); }
        Raw count(long n) { return v1 ? i32((int) n) : i64(n); }
        Raw str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); count(b.length); out.writeBytes(b); return this; }
        Raw key(String k, int type) { return str(k).i32(type); }
        Raw padTo(int a) { while (out.size() % a != 0) out.write(0); return this; }
        byte[] bytes() { return out.toByteArray(); }
    }

    /** A v2 file with one key of each of the 13 metadata value types, nested arrays, and a 64-byte alignment. */
    @Test
    void readsEveryMetadataValueType() throws IOException {
        Raw r = new Raw(false);
        r.i32(GgufFile.MAGIC).i32(2).i64(1).i64(17);
        r.key("u8", 0).i8(200);
        r.key("i8", 1).i8(-100);
        r.key("u16", 2).i16(60000);
        r.key("i16", 3).i16(-30000);
        r.key("u32", 4).i32((int) 4_000_000_000L);
        r.key("i32", 5).i32(-2_000_000_000);
        r.key("f32", 6).i32(Float.floatToRawIntBits(0.25f));
        r.key("bool", 7).i8(1);
        r.key("str", 8).str("héllo");
        r.key("arr.i32", 9).i32(5).count(3).i32(1).i32(-1).i32(7);
        r.key("u64", 10).i64(-1L);
        r.key("i64", 11).i64(Long.MIN_VALUE);
        r.key("f64", 12).i64(Double.doubleToRawLongBits(Math.PI));
        r.key("arr.arr", 9).i32(9).count(2).i32(8).count(1).str("x").i32(0).count(2).i8(1).i8(255);
        r.key("arr.u32", 9).i32(4).count(2).i32(-1).i32(3);
        r.key("arr.bool", 9).i32(7).count(2).i8(0).i8(1);
        r.key("general.alignment", 4).i32(64);
        r.str("t").i32(1).i64(32).i32(GgmlType.Q8_0.id).i64(0);
        r.padTo(64);
        byte[] block = Quantizer.quantize(GgmlType.Q8_0, TensorTestSupport.weights(3, 32, 1f));
        r.out.writeBytes(block);
        Path file = tmp.resolve("types.gguf");
        Files.write(file, r.bytes());
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(2, f.version());
            Map<String, Object> m = f.metadata();
            assertEquals(200, m.get("u8"));
            assertEquals(-100, m.get("i8"));
            assertEquals(60000, m.get("u16"));
            assertEquals(-30000, m.get("i16"));
            assertEquals(4_000_000_000L, m.get("u32"));
            assertEquals(-2_000_000_000, m.get("i32"));
            assertEquals(0.25f, m.get("f32"));
            assertEquals(true, m.get("bool"));
            assertEquals("héllo", m.get("str"));
            assertEquals(List.of(1, -1, 7), m.get("arr.i32"));
            assertEquals(-1L, m.get("u64"));
            assertEquals(Long.MIN_VALUE, m.get("i64"));
            assertEquals(Math.PI, m.get("f64"));
            assertEquals(List.of(List.of("x"), List.of(1, 255)), m.get("arr.arr"));
            assertEquals(List.of(4294967295L, 3L), m.get("arr.u32"));
            assertEquals(List.of(false, true), m.get("arr.bool"));
            assertTrue(f.dataOffset() % 64 == 0 && f.dataOffset() > 0);
            assertArrayEquals(block, f.requireTensor("t").data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void rejectsBadAlignmentAndBlockMismatch() throws IOException {
        Raw r = new Raw(false);
        r.i32(GgufFile.MAGIC).i32(3).i64(0).i64(1).key("general.alignment", 4).i32(48);
        Path file = tmp.resolve("align.gguf");
        Files.write(file, r.bytes());
        assertMessage(file, "alignment");

        Raw q = new Raw(false);
        q.i32(GgufFile.MAGIC).i32(3).i64(1).i64(0).str("odd").i32(2).i64(100).i64(2).i32(GgmlType.Q4_K.id).i64(0).padTo(32);
        q.out.writeBytes(new byte[1024]);
        Path file2 = tmp.resolve("odd.gguf");
        Files.write(file2, q.bytes());
        assertMessage(file2, "odd", "block size");
    }

    @Test
    void writerRefusesTensorsTheReaderWouldReject() {
        GgufWriter w = new GgufWriter().addTensor("a", new long[]{32, 2}, GgmlType.Q8_0, new byte[68]);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("b", new long[]{16, 4}, GgmlType.Q8_0, new byte[68]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("a", new long[]{32, 2}, GgmlType.Q8_0, new byte[68]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("c", new long[]{32, 3}, GgmlType.Q8_0, new byte[68]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("d", new long[]{0}, GgmlType.F32, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("e", new long[]{1, 1, 1, 1, 1}, GgmlType.F32, new byte[4]));
    }

    // ---------------------------------------------------------------- errors

    private static GgufException assertMessage(Path file, String... parts) {
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(file).close());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
        return e;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found: " + new String(needle, StandardCharsets.UTF_8));
    }

    @Test
    void truncatedFilesSayTruncated() throws IOException {
        Path good = tmp.resolve("good.gguf");
        writeSample(good);
        byte[] all = Files.readAllBytes(good);
        long dataOffset, lastEnd;
        try (GgufFile f = GgufFile.open(good)) {
            dataOffset = f.dataOffset();
            TensorInfo last = f.requireTensor("output.weight");
            lastEnd = dataOffset + last.offset() + last.byteSize();
        }
        int key = indexOf(all, "tokenizer.ggml.scores".getBytes(StandardCharsets.UTF_8));
        int info = indexOf(all, "blk.0.q4_0.weight".getBytes(StandardCharsets.UTF_8));
        int[] cuts = {1, 4, 6, 8, 12, 20, 23, 30, key + 5, key + 30, info - 3, info + 20,
                (int) dataOffset - 1, (int) dataOffset, (int) dataOffset + 100, (int) lastEnd - 1};
        for (int cut : cuts) {
            Path p = tmp.resolve("cut" + cut + ".gguf");
            Files.write(p, Arrays.copyOf(all, cut));
            GgufException e = assertMessage(p, "truncated");
            assertTrue(e.getMessage().contains("cut" + cut + ".gguf"), "message names the file: " + e.getMessage());
        }
        // cutting only the final padding loses nothing
        Path p = tmp.resolve("unpadded.gguf");
        Files.write(p, Arrays.copyOf(all, (int) lastEnd));
        try (GgufFile f = GgufFile.open(p)) { assertEquals(SPECS.size(), f.tensors().size()); }
    }

    @Test
    void badMagicVersionAndEmptyFiles() throws IOException {
        Path good = tmp.resolve("good.gguf");
        writeSample(good);
        byte[] all = Files.readAllBytes(good);

        byte[] b = all.clone();
        b[3] = 'L';
        Files.write(tmp.resolve("magic.gguf"), b);
        assertMessage(tmp.resolve("magic.gguf"), "not a GGUF file", "magic");

        b = all.clone();
        b[0] = 'F'; b[1] = 'U'; b[2] = 'G'; b[3] = 'G';
        Files.write(tmp.resolve("be.gguf"), b);
        assertMessage(tmp.resolve("be.gguf"), "big-endian");

        b = all.clone();
        b[4] = 4;
        Files.write(tmp.resolve("v4.gguf"), b);
        assertMessage(tmp.resolve("v4.gguf"), "version 4");

        Files.write(tmp.resolve("empty.gguf"), new byte[0]);
        assertMessage(tmp.resolve("empty.gguf"), "empty");
        Files.write(tmp.resolve("text.gguf"), "hello".getBytes(StandardCharsets.UTF_8));
        assertMessage(tmp.resolve("text.gguf"), "not a GGUF file");
        assertMessage(tmp.resolve("missing.gguf"), "not found");
        assertMessage(tmp, "directory");
    }

    @Test
    void unknownTensorTypeNamesTheTensor() throws IOException {
        Path good = tmp.resolve("good.gguf");
        writeSample(good);
        byte[] all = Files.readAllBytes(good);
        byte[] name = "blk.0.ffn.weight".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(all, name) + name.length;   // then: u32 n_dims (2), 2 x u64 dims, u32 type
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, bb.getInt(at));
        assertEquals(256, bb.getLong(at + 4));
        assertEquals(GgmlType.Q4_K.id, bb.getInt(at + 20));
        bb.putInt(at + 20, 99);
        Path bad = tmp.resolve("type99.gguf");
        Files.write(bad, all);
        assertMessage(bad, "blk.0.ffn.weight", "unknown tensor type", "99");
        bb.putInt(at + 20, 16);                       // IQ2_XXS: a real GGML type this engine does not know
        Files.write(bad, all);
        assertMessage(bad, "blk.0.ffn.weight", "unknown tensor type");
    }

    // ---------------------------------------------------------------- real files

    private static Path model(String rel) {
        Path p = Path.of("../shared/models").resolve(rel);
        return Files.exists(p) ? p : Path.of("/work/shared/models").resolve(rel);
    }

    @Test
    void ggufV1FileMatchesV3File() {
        Path v1 = model("stories260K/stories260K-gguf-v1.gguf"), v3 = model("stories260K/stories260K.gguf");
        assumeTrue(Files.exists(v1) && Files.exists(v3), "stories260K files not available");
        try (GgufFile a = GgufFile.open(v1); GgufFile b = GgufFile.open(v3)) {
            assertEquals(1, a.version());
            assertEquals(3, b.version());
            assertEquals(48, b.tensors().size());
            assertEquals(b.tensors().keySet(), a.tensors().keySet());
            for (TensorInfo t : b.tensors().values()) {
                TensorInfo u = a.requireTensor(t.name());
                assertArrayEquals(t.shape(), u.shape(), t.name());
                assertEquals(t.type(), u.type(), t.name());
                assertArrayEquals(WeightTensor.of(t).toFloatArray(), WeightTensor.of(u).toFloatArray(), t.name());
            }
            for (String k : List.of("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
                    "llama.embedding_length", "llama.block_count", "llama.feed_forward_length", "llama.attention.head_count",
                    "llama.attention.head_count_kv", "llama.rope.dimension_count", "llama.attention.layer_norm_rms_epsilon",
                    "general.architecture", "tokenizer.ggml.model", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id")) {
                assertEquals(b.metadata().get(k), a.metadata().get(k), k);
            }
            assertEquals(512, a.<String>getList("tokenizer.ggml.tokens").size());
        }
    }
}

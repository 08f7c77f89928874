package dev.skipjack.synth;

import dev.skipjack.gguf.GgufFile;
import dev.skipjack.model.Batch;
import dev.skipjack.model.ForwardResult;
import dev.skipjack.model.ModelConfig;
import dev.skipjack.model.Session;
import dev.skipjack.model.Transformer;
import dev.skipjack.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Synthetic GGUF models: what the builder writes, and our Transformer against a plain double-precision forward pass
 * for each architecture. The Qwen3 case pins down the per-head Q/K RMSNorm before RoPE with the halves (NeoX) style;
 * each check also shows that the deliberately wrong variants (norm after RoPE, no norm, adjacent pairs, no rope
 * factors) would be caught.
 */
class SyntheticModelTest {
    private static final int[] TOKENS = {5, 177, 42};
    private static final int START = 3;
    private static Parallel pool;

    @TempDir
    Path tmp;

    @BeforeAll
    static void pool() { pool = new Parallel(2); }

    @AfterAll
    static void close() { pool.close(); }

    private static SyntheticModel.Builder small(SyntheticModel.Arch arch) {
        // small theta and strongly non-uniform norm weights, so RoPE and the norm order matter visibly
        return SyntheticModel.builder(arch).vocabSize(300).dim(64).layers(2).heads(4).kvHeads(2).ffn(96)
                .ropeTheta(100f).normNoise(1.0f).seed(99).context(64);
    }

    private static double maxDiff(double[][] ref, ForwardResult r) {
        double max = 0;
        for (int t = 0; t < ref.length; t++) {
            float[] l = r.logits(t);
            for (int v = 0; v < l.length; v++) max = Math.max(max, Math.abs(l[v] - ref[t][v]));
        }
        return max;
    }

    private static double maxDiff(double[][] a, double[][] b) {
        double max = 0;
        for (int t = 0; t < a.length; t++) for (int v = 0; v < a[t].length; v++) max = Math.max(max, Math.abs(a[t][v] - b[t][v]));
        return max;
    }

    /** Our logits vs the reference, and each wrong variant far outside the tolerance. */
    private void checkAgainstReference(Path file, List<ReferenceForward.Variant> wrongVariants) {
        try (GgufFile f = GgufFile.open(file)) {
            Transformer model = new Transformer(f, pool);
            Session s = model.newSession(64);
            s.forward(Batch.causal(new int[]{1, 2, 3}, 0)); // a cached prefix, so START > 0 attends to it
            ForwardResult r = s.forward(Batch.causal(TOKENS, START));
            ReferenceForward ref = new ReferenceForward(f);
            int[] all = {1, 2, 3, TOKENS[0], TOKENS[1], TOKENS[2]};
            double[][] full = ref.logits(all, 0, ReferenceForward.Variant.CORRECT);
            double[][] expected = {full[3], full[4], full[5]};
            double tol = 2e-4;
            double diff = maxDiff(expected, r);
            assertTrue(diff < tol, file.getFileName() + ": max logit difference " + diff);
            for (ReferenceForward.Variant w : wrongVariants) {
                double[][] wrong = ref.logits(all, 0, w);
                double d = maxDiff(new double[][]{wrong[3], wrong[4], wrong[5]}, expected);
                assertTrue(d > 100 * tol, w + " would go unnoticed (differs by only " + d + ")");
            }
        }
    }

    @Test
    void qwen3QkNormPerHeadBeforeRopeWithHalves() throws IOException {
        Path p = small(SyntheticModel.Arch.QWEN3).headDim(32).write(tmp.resolve("qwen3.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            ModelConfig c = ModelConfig.from(f);
            assertTrue(c.qkNorm());
            assertEquals(ModelConfig.RopeStyle.HALVES, c.ropeStyle());
            assertEquals(32, c.headDim());
            assertEquals(128, c.qDim()); // != dim: the head size comes from attention.key_length
        }
        checkAgainstReference(p, List.of(ReferenceForward.Variant.QK_NORM_AFTER_ROPE, ReferenceForward.Variant.NO_QK_NORM,
                ReferenceForward.Variant.WRONG_ROPE_STYLE));
    }

    @Test
    void qwen2WithBiases() throws IOException {
        Path p = small(SyntheticModel.Arch.QWEN2).write(tmp.resolve("qwen2.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            assertNotNull(f.tensor("blk.1.attn_q.bias"));
            assertNotNull(f.tensor("blk.1.attn_v.bias"));
        }
        checkAgainstReference(p, List.of(ReferenceForward.Variant.WRONG_ROPE_STYLE));
    }

    @Test
    void llamaWithRopeFactorsAndTiedEmbeddings() throws IOException {
        Path p = small(SyntheticModel.Arch.LLAMA).ropeFreqs(true).ropeScaling(8f, 1f, 4f, 8).tiedEmbeddings(true)
                .write(tmp.resolve("llama.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            assertNull(f.tensor("output.weight"));
            assertEquals(8, f.tensor("rope_freqs.weight").elements());
            assertTrue(new Transformer(f, pool).tiedEmbeddings());
        }
        checkAgainstReference(p, List.of(ReferenceForward.Variant.WRONG_ROPE_STYLE, ReferenceForward.Variant.NO_ROPE_FACTORS));
    }

    @Test
    void metadataAsLlamaCppReadsIt() throws IOException {
        Path p = small(SyntheticModel.Arch.QWEN3).headDim(32).rmsEps(1e-6f).write(tmp.resolve("m.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("qwen3", f.getString("general.architecture", null));
            // counts are UINT32 (read back as Long), eps and theta FLOAT32
            assertEquals(64L, f.metadata().get("qwen3.embedding_length"));
            assertEquals(2L, f.metadata().get("qwen3.block_count"));
            assertEquals(4L, f.metadata().get("qwen3.attention.head_count"));
            assertEquals(2L, f.metadata().get("qwen3.attention.head_count_kv"));
            assertEquals(32L, f.metadata().get("qwen3.attention.key_length"));
            assertEquals(96L, f.metadata().get("qwen3.feed_forward_length"));
            assertEquals(64L, f.metadata().get("qwen3.context_length"));
            assertEquals(1e-6f, f.metadata().get("qwen3.attention.layer_norm_rms_epsilon"));
            assertEquals(100f, f.metadata().get("qwen3.rope.freq_base"));
            assertArrayEquals(new long[]{64, 300}, f.tensor("token_embd.weight").shape());
            assertArrayEquals(new long[]{64, 128}, f.tensor("blk.0.attn_q.weight").shape());
            assertArrayEquals(new long[]{64, 64}, f.tensor("blk.0.attn_k.weight").shape());
            assertArrayEquals(new long[]{128, 64}, f.tensor("blk.0.attn_output.weight").shape());
            assertArrayEquals(new long[]{32}, f.tensor("blk.0.attn_q_norm.weight").shape());
        }
    }

    @Test
    void sameSeedSameFileOtherSeedOtherWeights() throws IOException {
        byte[] a = Files.readAllBytes(small(SyntheticModel.Arch.LLAMA).write(tmp.resolve("a.gguf")));
        byte[] b = Files.readAllBytes(small(SyntheticModel.Arch.LLAMA).write(tmp.resolve("b.gguf")));
        byte[] c = Files.readAllBytes(small(SyntheticModel.Arch.LLAMA).seed(100).write(tmp.resolve("c.gguf")));
        assertArrayEquals(a, b);
        assertEquals(a.length, c.length);
        assertFalse(java.util.Arrays.equals(a, c));
        // the generator is fixed: the first value of a tensor never changes across JDKs
        SyntheticModel.SplitMix64 r = new SyntheticModel.SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
    }
}

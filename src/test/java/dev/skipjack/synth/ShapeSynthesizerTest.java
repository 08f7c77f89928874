package dev.skipjack.synth;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.cli.Main;
import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.model.ModelConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** synth writes files with the published shapes, loadable, with a working tokenizer. */
class ShapeSynthesizerTest {
    static final Path VOCABS = Path.of("target/vocabs");

    @Test
    void smolLmShapeAsQ4KMix(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(VOCABS.resolve("qwen3/tokenizer.json")), "run scripts/fetch-vocabs.sh");
        Path out = dir.resolve("smol.gguf");
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "synth", "--shape", "smollm2-135m", "--type", "q4_k",
                "--out", out.toString(), "--vocab-dir", VOCABS.toString());
        assertEquals(0, code, err.toString());
        try (GgufFile f = GgufFile.open(out)) {
            ModelConfig c = ModelConfig.from(f);
            assertEquals(576, c.dim());
            assertEquals(30, c.layers());
            assertEquals(9, c.heads());
            assertEquals(3, c.kvHeads());
            assertEquals(1536, c.ffnDim());
            assertEquals(49152, c.vocabSize());
            assertNull(f.tensor("output.weight"), "tied embeddings");
            Map<GgmlType, Integer> types = new HashMap<>();
            for (TensorInfo t : f.tensors().values()) types.merge(t.type(), 1, Integer::sum);
            // rows of 576 cannot hold 256-value super-blocks: those fall back, ffn_down (rows of 1536) is Q4_K
            assertEquals(30, types.get(GgmlType.Q4_K));
            assertTrue(types.containsKey(GgmlType.Q4_0) && types.containsKey(GgmlType.Q8_0) && types.containsKey(GgmlType.F32));
        }
        try (LanguageModel m = LanguageModel.load(out, new LanguageModel.Options(2, 256))) {
            String text = "def add(a, b):\n    return a + b  # 123 ünïcode";
            int[] ids = m.tokenizer().encode(text, false, false);
            assertEquals(text, m.tokenizer().decode(ids), "the truncated vocabulary still tokenizes and round-trips");
            assertEquals(5, m.generate(ids, dev.skipjack.decode.GenerationParams.greedy(5), null).tokens().length);
        }
    }

    @Test
    void rejectsUnknownShapesAndTypes() {
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "synth", "--shape", "gpt-5", "--type", "q8_0", "--out", "/tmp/x.gguf"));
        assertTrue(err.toString().contains("unknown shape"), err.toString());
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "synth", "--shape", "llama-3.2-1b", "--type", "q2_k", "--out", "/tmp/x.gguf"));
    }

    @Test
    void paddedVocabularyKeepsItsTokensAndMarksPaddingUnused() {
        TokenizerSpec t = new TokenizerSpec("gpt2", "qwen2", java.util.List.of("a", "b", "ab"), new int[]{1, 1, 1}, java.util.List.of("a b"), -1, -1, -1, false);
        TokenizerSpec p = ShapeSynthesizer.pad(t, 6);
        assertEquals(6, p.size());
        assertEquals("ab", p.tokens().get(2));
        assertEquals(5, p.types()[5]);
    }
}

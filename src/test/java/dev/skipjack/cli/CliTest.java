package dev.skipjack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skipjack.gguf.GgufWriter;
import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The command line end to end: output formats and clear errors for bad input. */
class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    static final String STORIES = SharedData.model("stories260K/stories260K.gguf").toString();

    @Test
    void jsonOutputIsOneObjectWithTextTokensAndStats() throws Exception {
        Run r = run("generate", "-m", STORIES, "-p", "Once upon a time", "-n", "20", "--temperature", "0", "--json", "-t", "1");
        assertEquals(0, r.code, r.err);
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertTrue(j.get("text").asText().startsWith(", there was a little girl named Lily."), r.out);
        assertEquals(20, j.get("tokens").size());
        assertEquals(432, j.get("tokens").get(0).asInt());
        JsonNode s = j.get("stats");
        assertEquals(5, s.get("prompt_tokens").asInt());
        assertEquals(20, s.get("generated_tokens").asInt());
        for (String k : new String[]{"prefill_seconds", "decode_seconds", "decode_tokens_per_second"}) {
            assertTrue(s.get(k).asDouble() > 0, k);
        }
        assertEquals(r.out.trim(), r.out.trim().lines().findFirst().orElseThrow(), "exactly one line of JSON on stdout");
    }

    @Test
    void benchReportsTheIssuesJsonFields() throws Exception {
        Run r = run("bench", "-m", STORIES, "-t", "1", "--prompt-tokens", "24", "--decode-tokens", "4", "--repetitions", "1",
                "--k", "1,2,4", "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertTrue(j.get("decode_tokens_per_second").asDouble() > 0, r.out);
        assertTrue(j.get("prefill_tokens_per_second").asDouble() > 0, r.out);
        assertEquals(0, j.get("decode_depth").asInt());
        assertEquals(1.0, j.get("verify_cost_ratio").get("1").asDouble());
        for (String k : new String[]{"2", "4"}) assertTrue(j.get("verify_cost_ratio").get(k).asDouble() > 0, k);
        assertEquals(1, j.get("threads").asInt());
        assertTrue(j.get("tensor_types").has("F32"), r.out);
        assertEquals("memory-mapped", j.get("weights").asText(), "a 1 MB model is not worth copying");

        Run bad = run("bench", "-m", STORIES, "--prompt-tokens", "24", "--decode-depth", "25");
        assertNotEquals(0, bad.code);
        assertTrue(bad.err.contains("--decode-depth must be between 0 and --prompt-tokens (24), got 25"), bad.err);
    }

    @Test
    void streamsTextAndSeededSamplingIsReproducible() {
        Run a = run("generate", "-m", STORIES, "-p", "Tom had a red", "-n", "30", "--seed", "42", "--temperature", "1",
                "--top-k", "0", "--top-p", "0.9", "--min-p", "0.02");
        Run b = run("generate", "-m", STORIES, "-p", "Tom had a red", "-n", "30", "--seed", "42", "--temperature", "1",
                "--top-k", "0", "--top-p", "0.9", "--min-p", "0.02");
        assertEquals(0, a.code, a.err);
        assertEquals(a.out, b.out);
        assertTrue(a.out.length() > 20);
        assertTrue(a.err.contains("tok/s"), a.err);
    }

    @Test
    void missingModelFile() {
        Run r = run("generate", "-m", "/nonexistent/model.gguf", "-p", "hi");
        assertNotEquals(0, r.code);
        assertTrue(r.err.contains("model file not found"), r.err);
        assertFalse(r.err.contains("Exception"), r.err);
    }

    @Test
    void truncatedFile(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(Path.of(STORIES));
        for (int cut : new int[]{6, 100, 5000, all.length / 2, all.length - 10}) {
            Path p = dir.resolve("cut" + cut + ".gguf");
            Files.write(p, Arrays.copyOf(all, cut));
            Run r = run("generate", "-m", p.toString(), "-p", "hi");
            assertEquals(1, r.code, "cut at " + cut);
            assertTrue(r.err.contains("truncated") || r.err.contains("too short"), "cut at " + cut + ": " + r.err);
        }
    }

    @Test
    void notAGgufFile(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("x.gguf");
        Files.writeString(p, "this is not a model, just some text that is long enough");
        Run r = run("generate", "-m", p.toString(), "-p", "hi");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("not a GGUF file"), r.err);
    }

    @Test
    void unsupportedArchitecture(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("mamba.gguf");
        new GgufWriter().putString("general.architecture", "mamba").putUInt32("mamba.block_count", 1)
                .addTensor("token_embd.weight", new long[]{32, 4}, dev.skipjack.gguf.GgmlType.F32, new byte[32 * 4 * 4])
                .write(p);
        Run r = run("generate", "-m", p.toString(), "-p", "hi");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("unsupported architecture 'mamba'"), r.err);
    }

    @Test
    void promptLongerThanContext() {
        Run r = run("generate", "-m", STORIES, "-p", "Once upon a time there was a big dog and a little cat", "--ctx-size", "8");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("context size is 8"), r.err);
    }

    @Test
    void invalidOptions() {
        assertEquals(2, run("generate", "-m", STORIES, "-p", "hi", "--temperature", "-1").code);
        Run r = run("generate", "-m", STORIES, "-p", "hi", "--top-p", "1.5");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("top-p"), r.err);
        assertEquals(2, run("generate", "-m", STORIES, "-p", "hi", "--threads", "0").code);
        assertEquals(2, run("generate", "-m", STORIES, "-p", "hi", "--max-tokens", "lots").code);
        assertEquals(2, run("generate", "-m", STORIES).code, "no prompt");
        assertEquals(2, run("generate", "--bogus").code);
    }
}

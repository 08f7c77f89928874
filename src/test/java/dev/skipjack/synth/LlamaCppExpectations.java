package dev.skipjack.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skipjack.gguf.GgufWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Regenerates the llama.cpp expectation files of the BPE tokenizer and synthetic-model tests. Not a test: run by
 * hand where a llama.cpp build and the vocabularies (scripts/fetch-vocabs.sh) are present:
 * <pre>
 *   java -cp target/classes:target/test-classes:DEPS dev.skipjack.synth.LlamaCppExpectations LLAMA_CPP_BIN [WORK_DIR [tokenizer|greedy]]
 * </pre>
 * LLAMA_CPP_BIN holds llama-tokenize and llama-completion. Output: src/test/resources/dev/skipjack/{tokenizer,synth}/.
 */
public final class LlamaCppExpectations {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Vocabulary, pre-tokenizer name, output file. The Qwen vocabulary also carries the other pre-tokenizers. */
    static final String[][] TOKENIZER_SUITES = {
            {"llama3", "llama-bpe", "bpe-llama3-llama-bpe.json"},
            {"qwen3", "qwen2", "bpe-qwen3-qwen2.json"},
            {"qwen3", "smollm", "bpe-qwen3-smollm.json"},
            {"qwen3", "gpt-2", "bpe-qwen3-gpt-2.json"},
            {"qwen3", "default", "bpe-qwen3-default.json"},
            {"llama3", "qwen35", "bpe-llama3-qwen35.json"},
    };

    static final List<SyntheticSetups.ModelSetup> GREEDY_MODELS = List.of(
            new SyntheticSetups.ModelSetup("llama", "llama3", null, 64, 2, 4, 2, 0, 128, 512, 11, 500000f, 1e-5f, true, true),
            new SyntheticSetups.ModelSetup("llama", "llama3", null, 64, 2, 4, 2, 0, 128, 512, 12, 10000f, 1e-5f, false, false),
            new SyntheticSetups.ModelSetup("qwen2", "qwen3", null, 64, 2, 4, 2, 0, 128, 512, 13, 1000000f, 1e-6f, false, false),
            new SyntheticSetups.ModelSetup("qwen3", "qwen3", null, 64, 2, 4, 2, 32, 128, 512, 14, 1000000f, 1e-6f, false, true));

    static final List<String> PROMPTS = List.of(
            "Once upon a time",
            "def add(a, b):\n    return",
            "The capital of France is",
            "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
            "1 2 3 4 5 6");

    public static void main(String[] args) throws Exception {
        Path bin = Path.of(args[0]);
        Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("llamacpp-expect");
        Path resources = Path.of("src/test/resources/dev/skipjack");
        String version = version(bin);
        List<String> texts = new ArrayList<>(dev.skipjack.tokenizer.BpeCorpus.TEXTS);
        texts.addAll(datasetSnippets());

        String only = args.length > 2 ? args[2] : "";
        for (String[] suite : only.equals("greedy") ? new String[0][] : TOKENIZER_SUITES) {
            TokenizerSpec spec = SyntheticSetups.vocab(suite[0]);
            if (spec == null) throw new IllegalStateException("vocabulary " + suite[0] + " missing: run scripts/fetch-vocabs.sh");
            spec = spec.withPre(suite[1]);
            Path gguf = work.resolve("vocab-" + suite[0] + "-" + suite[1] + ".gguf");
            writeVocabOnly(spec, gguf);
            ObjectNode root = JSON.createObjectNode();
            root.put("generated_by", "llama.cpp llama-tokenize (" + version.replace('\n', ' ') + ") via dev.skipjack.synth.LlamaCppExpectations");
            root.put("vocab", suite[0]);
            root.put("pre", suite[1]);
            root.put("add_bos", spec.addBos());
            ArrayNode cases = root.putArray("cases");
            for (String text : texts) {
                Path f = work.resolve("text.txt");
                Files.writeString(f, text, StandardCharsets.UTF_8);
                ObjectNode c = cases.addObject();
                c.put("text", text);
                c.set("ids", ids(tokenize(bin, gguf, f, true, false)));
                c.set("ids_no_parse_special", ids(tokenize(bin, gguf, f, false, false)));
            }
            // the BOS rule once per suite
            Path f = work.resolve("text.txt");
            Files.writeString(f, "Hello world", StandardCharsets.UTF_8);
            root.put("bos_text", "Hello world");
            root.set("bos_ids", ids(tokenize(bin, gguf, f, true, true)));
            Path out = resources.resolve("tokenizer").resolve(suite[2]);
            Files.createDirectories(out.getParent());
            JSON.writeValue(out.toFile(), root);
            System.out.println("wrote " + out + " (" + texts.size() + " texts)");
        }

        for (SyntheticSetups.ModelSetup m : only.equals("tokenizer") ? List.<SyntheticSetups.ModelSetup>of() : GREEDY_MODELS) {
            TokenizerSpec spec = SyntheticSetups.vocab(m.vocab());
            String name = m.arch() + "-" + m.vocab() + "-s" + m.seed();
            Path gguf = work.resolve(name + ".gguf");
            m.builder(spec).write(gguf);
            ObjectNode root = JSON.createObjectNode();
            root.put("generated_by", "llama.cpp llama-completion (" + version.replace('\n', ' ') + ") greedy, F32 KV cache, via dev.skipjack.synth.LlamaCppExpectations");
            root.set("model", m.toJson(JSON));
            ArrayNode cases = root.putArray("cases");
            for (String prompt : PROMPTS) {
                ObjectNode c = cases.addObject();
                c.put("prompt", prompt);
                c.put("n_predict", 16);
                Path f = work.resolve("prompt.txt");
                Files.writeString(f, prompt, StandardCharsets.UTF_8);
                c.set("prompt_ids", ids(tokenize(bin, gguf, f, true, true)));
                c.put("text", complete(bin, gguf, prompt, 16));
            }
            Path out = resources.resolve("synth").resolve("greedy-" + name + ".json");
            Files.createDirectories(out.getParent());
            JSON.writeValue(out.toFile(), root);
            System.out.println("wrote " + out);
        }
    }

    /** A GGUF with the architecture metadata and the tokenizer but no tensors (all llama-tokenize loads). */
    public static void writeVocabOnly(TokenizerSpec spec, Path out) throws IOException {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putUInt32("llama.context_length", 512);
        w.putUInt32("llama.embedding_length", 64);
        w.putUInt32("llama.block_count", 1);
        w.putUInt32("llama.feed_forward_length", 128);
        w.putUInt32("llama.attention.head_count", 4);
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        spec.writeTo(w);
        w.write(out);
    }

    static String tokenize(Path bin, Path gguf, Path textFile, boolean parseSpecial, boolean bos) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("llama-tokenize").toString(), "-m", gguf.toString(),
                "-f", textFile.toString(), "--ids", "--no-escape", "--log-disable"));
        if (!bos) cmd.add("--no-bos");
        if (!parseSpecial) cmd.add("--no-parse-special");
        String out = run(cmd, null);
        int a = out.lastIndexOf('['), b = out.lastIndexOf(']');
        if (a < 0 || b < a) throw new IllegalStateException("no ids in llama-tokenize output: " + out);
        return out.substring(a, b + 1);
    }

    /** Greedy continuation text (special tokens printed as their text); " [end of text]" marks an end-of-generation token. */
    static String complete(Path bin, Path gguf, String prompt, int n) throws Exception {
        List<String> cmd = List.of(bin.resolve("llama-completion").toString(), "-m", gguf.toString(), "-p", prompt,
                "-n", String.valueOf(n), "--temp", "0", "--top-k", "1", "-no-cnv", "--no-display-prompt", "-sp",
                "--no-escape", "-t", "2", "-c", "512", "--no-warmup", "--simple-io", "-s", "1",
                // float32 KV cache, no flash attention: llama.cpp's default F16 cache rounds keys and values
                "-ctk", "f32", "-ctv", "f32", "-fa", "off");
        String out = run(cmd, null);
        if (!out.endsWith("\n\n")) throw new IllegalStateException("unexpected llama-completion output: " + out);
        out = out.substring(0, out.length() - 2);
        if (out.endsWith(" [end of text]\n")) out = out.substring(0, out.length() - 1);
        return out;
    }

    private static ArrayNode ids(String list) throws IOException {
        return (ArrayNode) JSON.readTree(list);
    }

    /** llama.cpp's version line, e.g. "version: 0.5.0-dev (build 1, commit de3ff81) built with ..." (printed on stderr). */
    static String version(Path bin) throws Exception {
        Process p = new ProcessBuilder(bin.resolve("llama-tokenize").toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.trim().replace('\n', ' ');
    }

    static String run(List<String> cmd, Path stderrTo) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(stderrTo != null ? ProcessBuilder.Redirect.to(stderrTo.toFile()) : ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) { p.destroyForcibly(); throw new IllegalStateException("timeout: " + cmd); }
        if (p.exitValue() != 0) throw new IllegalStateException("exit " + p.exitValue() + ": " + cmd);
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Paragraphs of public-domain prose and MIT-licensed code from the shared datasets, when present. */
    static List<String> datasetSnippets() throws IOException {
        List<String> out = new ArrayList<>();
        Path shared = Path.of("/work/shared/datasets");
        String[] books = {"austen-emma.txt", "bible-kjv.txt", "melville-moby_dick.txt", "shakespeare-hamlet.txt", "whitman-leaves.txt"};
        for (String b : books) {
            Path p = shared.resolve("gutenberg_nltk/gutenberg").resolve(b);
            if (!Files.exists(p)) continue;
            String s = Files.readString(p, StandardCharsets.ISO_8859_1);
            int start = s.length() / 3;
            start = s.indexOf("\n\n", start) + 2;
            out.add(s.substring(start, Math.min(s.length(), start + 700)));
        }
        Path he = shared.resolve("humaneval/HumanEval.jsonl");
        if (Files.exists(he)) {
            List<String> lines = Files.readAllLines(he);
            for (int i : new int[]{0, 17, 101}) {
                JsonNode n = JSON.readTree(lines.get(i));
                out.add(n.get("prompt").asText() + n.get("canonical_solution").asText());
            }
        }
        return out;
    }
}

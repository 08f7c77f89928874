package dev.skipjack.synth;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.GgufWriter;
import dev.skipjack.tensor.quant.Quantizer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random-weight GGUF files with the exact shapes of published models, for measuring speed at realistic sizes where no
 * such model can be downloaded. Weights are uniform with std 0.02, norms 1, generated and quantised tensor by tensor
 * while the file is written (a 1B model never sits in memory). Each file carries a working tokenizer (the published
 * vocabulary where we have it), so llama.cpp loads the same file for side-by-side measurements.
 */
public final class ShapeSynthesizer {
    /** The tensor shapes of a published model. {@code vocabSource}: llama3, qwen, qwen-truncated or spm. */
    public record Shape(String name, String arch, int dim, int layers, int heads, int kvHeads, int ffn, int vocab, float ropeTheta,
                        int context, boolean tied, boolean llama3Rope, String vocabSource) {
        public int headDim() { return dim / heads; }
    }

    public static final Map<String, Shape> SHAPES = new LinkedHashMap<>();

    static {
        add(new Shape("smollm2-135m", "llama", 576, 30, 9, 3, 1536, 49152, 100000f, 8192, true, false, "qwen-truncated"));
        add(new Shape("qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, 1000000f, 32768, true, false, "qwen"));
        add(new Shape("llama-3.2-1b", "llama", 2048, 16, 32, 8, 8192, 128256, 500000f, 131072, true, true, "llama3"));
        add(new Shape("tinyllama-1.1b", "llama", 2048, 22, 32, 4, 5632, 32000, 10000f, 2048, false, false, "spm"));
    }

    private static void add(Shape s) { SHAPES.put(s.name(), s); }

    public static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K);

    private ShapeSynthesizer() {}

    public static Shape shape(String name) {
        Shape s = SHAPES.get(name);
        if (s == null) throw new IllegalArgumentException("unknown shape '" + name + "' (known: " + String.join(", ", SHAPES.keySet()) + ")");
        return s;
    }

    public static GgmlType type(String name) {
        for (GgmlType t : TYPES) if (t.name().equalsIgnoreCase(name)) return t;
        throw new IllegalArgumentException("unsupported type '" + name + "' (known: f32, f16, bf16, q8_0, q4_0, q4_k)");
    }

    /**
     * The type a matrix with rows of {@code cols} values gets. q4_k follows llama.cpp's Q4_K_M in spirit: Q4_K for the
     * layers, Q6_K for the embedding/output matrix; rows that are not a multiple of 256 fall back to Q4_0 (Q8_0 for the
     * embedding), as llama.cpp falls back for such rows.
     */
    static GgmlType matrixType(GgmlType requested, int cols, boolean embedding) {
        if (requested != GgmlType.Q4_K) return requested;
        if (cols % 256 == 0) return embedding ? GgmlType.Q6_K : GgmlType.Q4_K;
        return embedding ? GgmlType.Q8_0 : GgmlType.Q4_0;
    }

    /**
     * Writes the model. {@code vocabDir} holds the fetched HF vocabularies (llama3/, qwen3/), {@code spmSource} a GGUF
     * whose SentencePiece vocabulary pads out the spm shapes.
     */
    public static void write(Shape s, GgmlType type, Path out, Path vocabDir, Path spmSource, long seed, PrintWriter progress) throws IOException {
        GgufWriter w = new GgufWriter();
        String p = s.arch() + ".";
        int hd = s.headDim();
        w.putString("general.architecture", s.arch());
        w.putString("general.name", "skipjack-synthetic " + s.name() + " " + type.name().toLowerCase());
        w.putUInt32(p + "context_length", s.context());
        w.putUInt32(p + "embedding_length", s.dim());
        w.putUInt32(p + "block_count", s.layers());
        w.putUInt32(p + "feed_forward_length", s.ffn());
        w.putUInt32(p + "attention.head_count", s.heads());
        w.putUInt32(p + "attention.head_count_kv", s.kvHeads());
        w.putFloat32(p + "attention.layer_norm_rms_epsilon", s.arch().equals("qwen2") ? 1e-6f : 1e-5f);
        w.putFloat32(p + "rope.freq_base", s.ropeTheta());
        w.putUInt32(p + "rope.dimension_count", hd);
        w.putUInt32(p + "vocab_size", s.vocab());
        writeTokenizer(s, w, vocabDir, spmSource);

        long total = 0;
        int q = s.heads() * hd, kv = s.kvHeads() * hd;
        total += matrix(w, "token_embd.weight", s.dim(), s.vocab(), matrixType(type, s.dim(), true), seed, null);
        vector(w, "output_norm.weight", s.dim(), 1f, 0.05f, seed);
        if (!s.tied()) total += matrix(w, "output.weight", s.dim(), s.vocab(), matrixType(type, s.dim(), true), seed, null);
        if (s.llama3Rope()) {
            float[] f = SyntheticModel.llama3RopeFactors(hd, s.ropeTheta(), 32f, 1f, 4f, 8192);
            w.addTensor("rope_freqs.weight", new long[]{hd / 2}, GgmlType.F32, SyntheticModel.f32(f));
        }
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            vector(w, b + "attn_norm.weight", s.dim(), 1f, 0.05f, seed);
            total += matrix(w, b + "attn_q.weight", s.dim(), q, matrixType(type, s.dim(), false), seed, null);
            total += matrix(w, b + "attn_k.weight", s.dim(), kv, matrixType(type, s.dim(), false), seed, null);
            total += matrix(w, b + "attn_v.weight", s.dim(), kv, matrixType(type, s.dim(), false), seed, null);
            if (s.arch().equals("qwen2")) {
                vector(w, b + "attn_q.bias", q, 0f, 0.02f, seed);
                vector(w, b + "attn_k.bias", kv, 0f, 0.02f, seed);
                vector(w, b + "attn_v.bias", kv, 0f, 0.02f, seed);
            }
            total += matrix(w, b + "attn_output.weight", q, s.dim(), matrixType(type, q, false), seed, null);
            vector(w, b + "ffn_norm.weight", s.dim(), 1f, 0.05f, seed);
            total += matrix(w, b + "ffn_gate.weight", s.dim(), s.ffn(), matrixType(type, s.dim(), false), seed, null);
            total += matrix(w, b + "ffn_up.weight", s.dim(), s.ffn(), matrixType(type, s.dim(), false), seed, null);
            total += matrix(w, b + "ffn_down.weight", s.ffn(), s.dim(), matrixType(type, s.ffn(), false), seed,
                    l % 4 == 3 || l == s.layers() - 1 ? progressFor(progress, l, s.layers()) : null);
        }
        if (progress != null) progress.printf("synth: writing %s (%.2f GB of weights)...%n", out, total / 1e9);
        w.write(out);
    }

    /** Reports progress once the layer's last matrix has been generated, i.e. while the file is being written. */
    private static Runnable progressFor(PrintWriter progress, int layer, int layers) {
        if (progress == null) return null;
        return () -> {
            progress.printf("synth: layer %d/%d written%n", layer + 1, layers);
            progress.flush();
        };
    }

    /** A random matrix of {@code rows} rows of {@code cols}, generated and encoded a few rows at a time. */
    private static long matrix(GgufWriter w, String name, int cols, int rows, GgmlType type, long seed, Runnable done) {
        long bytes = type.byteSize((long) cols * rows);
        w.addTensor(name, new long[]{cols, rows}, type, (OutputStream os) -> {
            SplittableRandom r = new SplittableRandom(seed * 31 + name.hashCode());
            int chunk = Math.max(1, (1 << 20) / cols);
            float half = (float) (0.02 * Math.sqrt(3));
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int n = Math.min(chunk, rows - r0);
                float[] v = new float[n * cols];
                for (int i = 0; i < v.length; i++) v[i] = half * (2f * (float) r.nextDouble() - 1f);
                os.write(Quantizer.quantize(type, v));
            }
            if (done != null) done.run();
        });
        return bytes;
    }

    private static void vector(GgufWriter w, String name, int n, float mean, float spread, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 31 + name.hashCode());
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = mean + spread * (2f * (float) r.nextDouble() - 1f);
        w.addTensor(name, new long[]{n}, GgmlType.F32, SyntheticModel.f32(v));
    }

    private static void writeTokenizer(Shape s, GgufWriter w, Path vocabDir, Path spmSource) throws IOException {
        switch (s.vocabSource()) {
            case "llama3" -> pad(HfTokenizerJson.load(vocab(vocabDir, "llama3")).withPre("llama-bpe"), s.vocab()).writeTo(w);
            case "qwen" -> pad(HfTokenizerJson.load(vocab(vocabDir, "qwen3")).withPre("qwen2"), s.vocab()).writeTo(w);
            case "qwen-truncated" -> truncate(HfTokenizerJson.load(vocab(vocabDir, "qwen3")), s.vocab()).withPre("smollm").writeTo(w);
            case "spm" -> copySentencePiece(spmSource, s.vocab(), w);
            default -> throw new IllegalStateException(s.vocabSource());
        }
    }

    private static Path vocab(Path vocabDir, String name) {
        Path d = vocabDir.resolve(name);
        if (!Files.isRegularFile(d.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("vocabulary '" + name + "' not found in " + vocabDir
                    + " (run scripts/fetch-vocabs.sh, or pass --vocab-dir)");
        }
        return d;
    }

    /** Pads the vocabulary to the shape's size with unused tokens, as converted checkpoints with padded embeddings have. */
    static TokenizerSpec pad(TokenizerSpec t, int size) {
        if (t.size() > size) throw new IllegalArgumentException("vocabulary of " + t.size() + " tokens exceeds the shape's " + size);
        List<String> tokens = new ArrayList<>(t.tokens());
        int[] types = java.util.Arrays.copyOf(t.types(), size);
        for (int i = t.size(); i < size; i++) {
            tokens.add("[PAD" + i + "]");
            types[i] = 5; // unused
        }
        return new TokenizerSpec(t.model(), t.pre(), tokens, types, t.merges(), t.bos(), t.eos(), t.pad(), t.addBos());
    }

    /**
     * The first {@code size} tokens, the last three replaced by the SmolLM-style special tokens (end of text = BOS/EOS,
     * im_start, im_end), with only the merges whose parts and result survive: still a valid BPE.
     */
    static TokenizerSpec truncate(TokenizerSpec t, int size) {
        List<String> tokens = new ArrayList<>(t.tokens().subList(0, size));
        int[] types = java.util.Arrays.copyOf(t.types(), size);
        String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
        for (int i = 0; i < specials.length; i++) {
            tokens.set(size - 3 + i, specials[i]);
            types[size - 3 + i] = 3; // control
        }
        java.util.Set<String> keep = new java.util.HashSet<>(tokens);
        List<String> merges = new ArrayList<>();
        for (String m : t.merges()) {
            int sp = m.indexOf(' ');
            String a = m.substring(0, sp), b = m.substring(sp + 1);
            if (keep.contains(a) && keep.contains(b) && keep.contains(a + b)) merges.add(m);
        }
        return new TokenizerSpec(t.model(), t.pre(), tokens, types, merges, size - 3, size - 3, -1, false);
    }

    /** A SentencePiece vocabulary taken from another GGUF file, padded with unused tokens to {@code size}. */
    static void copySentencePiece(Path source, int size, GgufWriter w) {
        try (GgufFile f = GgufFile.open(source)) {
            List<String> tokens = new ArrayList<>(f.<String>getList("tokenizer.ggml.tokens"));
            List<Object> sc = f.getList("tokenizer.ggml.scores");
            List<Object> ty = f.getList("tokenizer.ggml.token_type");
            if (tokens.size() > size) throw new IllegalArgumentException(source + " has more tokens than the shape's vocabulary");
            float[] scores = new float[size];
            int[] types = new int[size];
            for (int i = 0; i < size; i++) {
                if (i < tokens.size()) {
                    scores[i] = ((Number) sc.get(i)).floatValue();
                    types[i] = ((Number) ty.get(i)).intValue();
                } else {
                    tokens.add("<unused" + i + ">");
                    scores[i] = -1e9f;
                    types[i] = 5;
                }
            }
            w.putString("tokenizer.ggml.model", "llama");
            w.putStrings("tokenizer.ggml.tokens", tokens);
            w.putFloats("tokenizer.ggml.scores", scores);
            w.putInts("tokenizer.ggml.token_type", types);
            w.putUInt32("tokenizer.ggml.bos_token_id", f.getLong("tokenizer.ggml.bos_token_id", 1));
            w.putUInt32("tokenizer.ggml.eos_token_id", f.getLong("tokenizer.ggml.eos_token_id", 2));
            w.putUInt32("tokenizer.ggml.unknown_token_id", f.getLong("tokenizer.ggml.unknown_token_id", 0));
            w.putBool("tokenizer.ggml.add_space_prefix", f.getBool("tokenizer.ggml.add_space_prefix", true));
        }
    }
}

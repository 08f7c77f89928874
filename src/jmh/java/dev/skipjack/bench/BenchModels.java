package dev.skipjack.bench;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.GgufWriter;
import dev.skipjack.tensor.quant.Quantizer;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Writes random-weight Llama-shaped GGUF files for speed measurements (never for accuracy): real model shapes,
 * uniform weights of std 0.02, unit norms, and the stories260K SentencePiece tokenizer padded with dummy tokens
 * to the vocabulary size, so that both skipjack and llama.cpp load them.
 *
 * <pre>java -cp ... dev.skipjack.bench.BenchModels SHAPE TYPE OUT.gguf [TOKENIZER.gguf]</pre>
 * SHAPE: llama1b (dim 2048, 16 layers, 32/8 heads, ffn 8192, vocab 128256, tied) or smollm135m
 * (dim 576, 30 layers, 9/3 heads, ffn 1536, vocab 49152, tied). TYPE: a GGML type the quantizer supports.
 */
public final class BenchModels {
    record Shape(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, float ropeTheta) {}

    static Shape shape(String name) {
        return switch (name) {
            case "llama1b" -> new Shape(2048, 16, 32, 8, 8192, 128256, 500000f);
            case "smollm135m" -> new Shape(576, 30, 9, 3, 1536, 49152, 100000f);
            default -> throw new IllegalArgumentException("unknown shape " + name + " (llama1b, smollm135m)");
        };
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: BenchModels llama1b|smollm135m TYPE OUT.gguf [TOKENIZER.gguf]");
            System.exit(2);
        }
        Shape s = shape(args[0]);
        GgmlType type = GgmlType.valueOf(args[1].toUpperCase());
        Path out = Path.of(args[2]);
        Path tok = Path.of(args.length > 3 ? args[3] : "/work/shared/models/stories260K/stories260K.gguf");
        int hd = s.dim / s.heads;
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", "bench-" + args[0] + "-" + args[1]);
        w.putUInt32("general.alignment", 32);
        w.putUInt32("llama.context_length", 4096);
        w.putUInt32("llama.embedding_length", s.dim);
        w.putUInt32("llama.block_count", s.layers);
        w.putUInt32("llama.feed_forward_length", s.ffn);
        w.putUInt32("llama.attention.head_count", s.heads);
        w.putUInt32("llama.attention.head_count_kv", s.kvHeads);
        w.putUInt32("llama.rope.dimension_count", hd);
        w.putFloat32("llama.rope.freq_base", s.ropeTheta);
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.putUInt32("llama.vocab_size", s.vocab);
        copyTokenizer(tok, s.vocab, w);

        long seed = 42;
        w.addTensor("token_embd.weight", new long[]{s.dim, s.vocab}, type, random(type, (long) s.dim * s.vocab, seed++));
        for (int l = 0; l < s.layers; l++) {
            String p = "blk." + l + ".";
            w.addTensor(p + "attn_norm.weight", new long[]{s.dim}, GgmlType.F32, ones(s.dim));
            w.addTensor(p + "attn_q.weight", new long[]{s.dim, s.dim}, type, random(type, (long) s.dim * s.dim, seed++));
            w.addTensor(p + "attn_k.weight", new long[]{s.dim, s.kvHeads * hd}, type, random(type, (long) s.dim * s.kvHeads * hd, seed++));
            w.addTensor(p + "attn_v.weight", new long[]{s.dim, s.kvHeads * hd}, type, random(type, (long) s.dim * s.kvHeads * hd, seed++));
            w.addTensor(p + "attn_output.weight", new long[]{s.dim, s.dim}, type, random(type, (long) s.dim * s.dim, seed++));
            w.addTensor(p + "ffn_norm.weight", new long[]{s.dim}, GgmlType.F32, ones(s.dim));
            w.addTensor(p + "ffn_gate.weight", new long[]{s.dim, s.ffn}, type, random(type, (long) s.dim * s.ffn, seed++));
            w.addTensor(p + "ffn_up.weight", new long[]{s.dim, s.ffn}, type, random(type, (long) s.dim * s.ffn, seed++));
            w.addTensor(p + "ffn_down.weight", new long[]{s.ffn, s.dim}, type, random(type, (long) s.dim * s.ffn, seed++));
        }
        w.addTensor("output_norm.weight", new long[]{s.dim}, GgmlType.F32, ones(s.dim));
        w.write(out);
        System.out.println("wrote " + out);
    }

    /** The SentencePiece tables of {@code src}, padded with unused dummy tokens up to {@code vocab} entries. */
    static void copyTokenizer(Path src, int vocab, GgufWriter w) {
        try (GgufFile f = GgufFile.open(src)) {
            List<String> tokens = new ArrayList<>(f.getList("tokenizer.ggml.tokens"));
            List<Object> scores = f.getList("tokenizer.ggml.scores");
            List<Object> types = f.getList("tokenizer.ggml.token_type");
            float[] sc = new float[vocab];
            int[] ty = new int[vocab];
            for (int i = 0; i < vocab; i++) {
                sc[i] = i < scores.size() ? ((Number) scores.get(i)).floatValue() : -1e9f;
                ty[i] = i < types.size() ? ((Number) types.get(i)).intValue() : 1;
            }
            for (int i = tokens.size(); i < vocab; i++) tokens.add("<bench_" + i + ">");
            w.putString("tokenizer.ggml.model", f.getString("tokenizer.ggml.model", "llama"));
            w.putStrings("tokenizer.ggml.tokens", tokens.subList(0, vocab));
            w.putFloats("tokenizer.ggml.scores", sc);
            w.putInts("tokenizer.ggml.token_type", ty);
            w.putUInt32("tokenizer.ggml.bos_token_id", f.getLong("tokenizer.ggml.bos_token_id", 1));
            w.putUInt32("tokenizer.ggml.eos_token_id", f.getLong("tokenizer.ggml.eos_token_id", 2));
            w.putUInt32("tokenizer.ggml.unknown_token_id", f.getLong("tokenizer.ggml.unknown_token_id", 0));
        }
    }

    static byte[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return Quantizer.quantize(GgmlType.F32, v);
    }

    /** {@code n} uniform values of std 0.02 encoded in {@code type}, generated and quantized in parallel chunks. */
    public static byte[] random(GgmlType type, long n, long seed) {
        int chunk = 1 << 20; // a multiple of every block size
        int chunks = (int) ((n + chunk - 1) / chunk);
        byte[][] parts = new byte[chunks][];
        float a = (float) (0.02 * Math.sqrt(3));
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int len = (int) Math.min(chunk, n - (long) c * chunk);
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + c);
            float[] v = new float[len];
            for (int i = 0; i < len; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * a);
            parts[c] = Quantizer.quantize(type, v);
        });
        ByteArrayOutputStream bo = new ByteArrayOutputStream(Math.toIntExact(type.byteSize(n)));
        for (byte[] p : parts) bo.writeBytes(p);
        return bo.toByteArray();
    }
}

package dev.skipjack.synth;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Small random-weight decoders written as F32 GGUF files that llama.cpp loads too: the same file run by two
 * engines must give the same tokens and logits. Weights are uniform with a chosen standard deviation, norm weights
 * are {@code 1 + noise}; every tensor has its own generator seeded from the model seed and the tensor name, so a
 * variant (tied embeddings, no rope factors) keeps all its other weights. The generator is spelled out here
 * (SplitMix64), so a seed gives the same file on every JDK.
 * <pre>{@code
 * SyntheticModel.builder(SyntheticModel.Arch.QWEN2).tokenizer(spec).seed(7).write(path);
 * }</pre>
 */
public final class SyntheticModel {

    /** The architectures: llama (optional Llama 3 rope factors), qwen2 (Q/K/V biases), qwen3 (per-head Q/K RMSNorm). */
    public enum Arch {
        LLAMA("llama"), QWEN2("qwen2"), QWEN3("qwen3");

        public final String ggufName;

        Arch(String ggufName) { this.ggufName = ggufName; }
    }

    private SyntheticModel() {}

    public static Builder builder(Arch arch) { return new Builder(arch); }

    public static final class Builder {
        private final Arch arch;
        private int dim = 64, layers = 2, heads = 4, kvHeads = 2, headDim = -1, ffn = 128, context = 512, vocabSize = -1;
        private long seed = 1;
        private float std = 0.1f, normNoise = 0.1f, ropeTheta = 10000f, rmsEps = 1e-5f;
        private boolean ropeFreqs, tiedEmbeddings;
        private float ropeFactor = 8f, lowFreqFactor = 1f, highFreqFactor = 4f;
        private int ropeOriginalContext = 64;
        private TokenizerSpec tokenizer;
        private String name;

        private Builder(Arch arch) { this.arch = arch; }

        public Builder dim(int v) { dim = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder heads(int v) { heads = v; return this; }
        public Builder kvHeads(int v) { kvHeads = v; return this; }
        /** Per-head size; defaults to dim / heads (written as attention.key_length/value_length when different, always for qwen3). */
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder ffn(int v) { ffn = v; return this; }
        public Builder context(int v) { context = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** Standard deviation of the matrix and embedding weights (default 0.1: at dim 64 the layers outweigh the embedding, so greedy text does not just repeat the input token). */
        public Builder std(float v) { std = v; return this; }
        /** Norm weights are 1 + uniform noise of this half-width. */
        public Builder normNoise(float v) { normNoise = v; return this; }
        public Builder ropeTheta(float v) { ropeTheta = v; return this; }
        public Builder rmsEps(float v) { rmsEps = v; return this; }
        /** Adds rope_freqs.weight: Llama 3.1 style frequency divisors (llama only). */
        public Builder ropeFreqs(boolean v) { ropeFreqs = v; return this; }
        /** The divisor parameters of {@link #ropeFreqs}: factor, low/high frequency factors, original context. */
        public Builder ropeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {
            this.ropeFactor = factor;
            this.lowFreqFactor = lowFreqFactor;
            this.highFreqFactor = highFreqFactor;
            this.ropeOriginalContext = originalContext;
            return this;
        }
        /** No output.weight: the LM head is the token embedding. */
        public Builder tiedEmbeddings(boolean v) { tiedEmbeddings = v; return this; }
        public Builder tokenizer(TokenizerSpec v) { tokenizer = v; return this; }
        /** Vocabulary size when there is no tokenizer (such a file runs here but llama.cpp cannot load it). */
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder name(String v) { name = v; return this; }

        public int headSize() { return headDim > 0 ? headDim : dim / heads; }

        /** The GGUF contents: metadata, then tensors. */
        public GgufWriter toWriter() {
            int hd = headSize();
            int vocab = tokenizer != null ? tokenizer.size() : vocabSize;
            if (vocab <= 0) throw new IllegalStateException("set a tokenizer or a vocabulary size");
            if (heads % kvHeads != 0) throw new IllegalStateException("heads must be a multiple of kv heads");
            if (hd % 2 != 0) throw new IllegalStateException("head size must be even");
            if (ropeFreqs && arch != Arch.LLAMA) throw new IllegalStateException("rope factors are a llama feature here");
            String a = arch.ggufName, p = a + ".";
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", a);
            w.putString("general.name", name != null ? name : "synthetic-" + a);
            w.putUInt32("general.file_type", 0); // all F32
            w.putUInt32(p + "context_length", context);
            w.putUInt32(p + "embedding_length", dim);
            w.putUInt32(p + "block_count", layers);
            w.putUInt32(p + "feed_forward_length", ffn);
            w.putUInt32(p + "attention.head_count", heads);
            w.putUInt32(p + "attention.head_count_kv", kvHeads);
            w.putFloat32(p + "attention.layer_norm_rms_epsilon", rmsEps);
            w.putFloat32(p + "rope.freq_base", ropeTheta);
            w.putUInt32(p + "rope.dimension_count", hd);
            if (arch == Arch.QWEN3 || hd * heads != dim) {
                w.putUInt32(p + "attention.key_length", hd);
                w.putUInt32(p + "attention.value_length", hd);
            }
            if (tokenizer != null) tokenizer.writeTo(w);

            int q = heads * hd, kv = kvHeads * hd;
            matrix(w, "token_embd.weight", dim, vocab);
            norm(w, "output_norm.weight", dim);
            if (!tiedEmbeddings) matrix(w, "output.weight", dim, vocab);
            if (ropeFreqs) w.addTensor("rope_freqs.weight", new long[]{hd / 2}, GgmlType.F32, f32(ropeFactors(hd)));
            for (int l = 0; l < layers; l++) {
                String b = "blk." + l + ".";
                norm(w, b + "attn_norm.weight", dim);
                matrix(w, b + "attn_q.weight", dim, q);
                matrix(w, b + "attn_k.weight", dim, kv);
                matrix(w, b + "attn_v.weight", dim, kv);
                if (arch == Arch.QWEN2) {
                    vector(w, b + "attn_q.bias", q);
                    vector(w, b + "attn_k.bias", kv);
                    vector(w, b + "attn_v.bias", kv);
                }
                if (arch == Arch.QWEN3) {
                    norm(w, b + "attn_q_norm.weight", hd);
                    norm(w, b + "attn_k_norm.weight", hd);
                }
                matrix(w, b + "attn_output.weight", q, dim);
                norm(w, b + "ffn_norm.weight", dim);
                matrix(w, b + "ffn_gate.weight", dim, ffn);
                matrix(w, b + "ffn_up.weight", dim, ffn);
                matrix(w, b + "ffn_down.weight", ffn, dim);
            }
            return w;
        }

        public Path write(Path out) throws IOException {
            toWriter().write(out);
            return out;
        }

        float[] ropeFactors(int hd) {
            return llama3RopeFactors(hd, ropeTheta, ropeFactor, lowFreqFactor, highFreqFactor, ropeOriginalContext);
        }

        /** A weight matrix of {@code rows} rows of {@code cols} values (GGML shape [cols, rows]). */
        private void matrix(GgufWriter w, String name, int cols, int rows) {
            w.addTensor(name, new long[]{cols, rows}, GgmlType.F32, f32(uniform(name, (long) cols * rows, std, 0f)));
        }

        private void vector(GgufWriter w, String name, int n) {
            w.addTensor(name, new long[]{n}, GgmlType.F32, f32(uniform(name, n, std, 0f)));
        }

        private void norm(GgufWriter w, String name, int n) {
            w.addTensor(name, new long[]{n}, GgmlType.F32, f32(uniform(name, n, normNoise / (float) Math.sqrt(3), 1f)));
        }

        /** {@code n} values uniform with the given standard deviation around {@code mean}. */
        private float[] uniform(String tensor, long n, float sd, float mean) {
            if (n > Integer.MAX_VALUE) throw new IllegalStateException(tensor + " too large");
            SplitMix64 r = new SplitMix64(seed * 0x9E3779B97F4A7C15L + tensor.hashCode());
            float half = (float) (sd * Math.sqrt(3));
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) v[i] = mean + half * (2f * r.nextFloat() - 1f);
            return v;
        }
    }

    /** Llama 3.1's rope frequency divisors for the rotated pairs (1 for high frequencies, {@code factor} for low ones). */
    static float[] llama3RopeFactors(int hd, float ropeTheta, float factor, float lowFreqFactor, float highFreqFactor,
                                     int originalContext) {
        float[] f = new float[hd / 2];
        double lowWavelen = originalContext / lowFreqFactor, highWavelen = originalContext / highFreqFactor;
        for (int i = 0; i < f.length; i++) {
            double freq = Math.pow(ropeTheta, -2.0 * i / hd);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) f[i] = 1f;
            else if (wavelen > lowWavelen) f[i] = factor;
            else {
                double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                f[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return f;
    }

    static byte[] f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    /** Steele, Lea and Flood's SplitMix64: a fixed, portable stream of 64-bit values. */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) { state = seed; }

        long nextLong() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** Uniform in [0, 1) with 24 random bits. */
        float nextFloat() { return (nextLong() >>> 40) * 0x1.0p-24f; }
    }
}

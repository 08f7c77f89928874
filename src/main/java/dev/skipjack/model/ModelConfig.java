package dev.skipjack.model;

import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.TensorInfo;

import java.util.List;

/** Hyperparameters of a Llama-family decoder, read from GGUF metadata (nothing hard-coded per model). */
public record ModelConfig(
        String architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        int ropeDim,
        float ropeFreqScale,
        RopeStyle ropeStyle,
        boolean qkNorm) {

    /** How RoPE pairs dimensions: GGUF "llama" rotates adjacent pairs, Qwen (NeoX) rotates halves. */
    public enum RopeStyle { ADJACENT_PAIRS, HALVES }

    public static final List<String> SUPPORTED = List.of("llama", "mistral", "qwen2", "qwen3");

    public int kvDim() { return kvHeads * headDim; }
    public int qDim() { return heads * headDim; }

    public static ModelConfig from(GgufFile f) {
        String arch = f.getString("general.architecture", null);
        if (arch == null) throw new GgufException(f.path().getFileName() + ": missing metadata 'general.architecture'");
        if (!SUPPORTED.contains(arch)) {
            throw new GgufException(f.path().getFileName() + ": unsupported architecture '" + arch + "' (supported: "
                    + String.join(", ", SUPPORTED) + ")");
        }
        String p = arch + ".";
        int dim = f.requireInt(p + "embedding_length");
        int layers = f.requireInt(p + "block_count");
        int heads = f.requireInt(p + "attention.head_count");
        int kvHeads = (int) f.getLong(p + "attention.head_count_kv", heads);
        int headDim = (int) f.getLong(p + "attention.key_length", dim / heads);
        int ffn = f.requireInt(p + "feed_forward_length");
        TensorInfo emb = f.requireTensor("token_embd.weight");
        int vocab = emb.rows();
        int ctx = (int) f.getLong(p + "context_length", 2048);
        float eps = f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float theta = f.getFloat(p + "rope.freq_base", 10000f);
        int ropeDim = (int) f.getLong(p + "rope.dimension_count", headDim);
        float freqScale = 1f;
        String scaling = f.getString(p + "rope.scaling.type", "none");
        float factor = f.getFloat(p + "rope.scaling.factor", 0f);
        if ("linear".equals(scaling) && factor > 0) freqScale = 1f / factor;
        else if (!"none".equals(scaling) && !"linear".equals(scaling) && factor > 1f) {
            throw new GgufException(f.path().getFileName() + ": unsupported rope scaling '" + scaling + "'");
        }
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new GgufException(f.path().getFileName() + ": invalid head counts " + heads + "/" + kvHeads);
        }
        if (ropeDim > headDim || ropeDim % 2 != 0) {
            throw new GgufException(f.path().getFileName() + ": invalid rope dimension " + ropeDim + " for head size " + headDim);
        }
        if (emb.cols() != dim) {
            throw new GgufException(f.path().getFileName() + ": token_embd has width " + emb.cols() + ", embedding_length is " + dim);
        }
        RopeStyle style = arch.startsWith("qwen") ? RopeStyle.HALVES : RopeStyle.ADJACENT_PAIRS;
        boolean qkNorm = f.tensor("blk.0.attn_q_norm.weight") != null;
        return new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, theta, ropeDim,
                freqScale, style, qkNorm);
    }
}

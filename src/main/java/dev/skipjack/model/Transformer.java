package dev.skipjack.model;

import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.tensor.Parallel;
import dev.skipjack.tensor.VectorMath;
import dev.skipjack.tensor.WeightTensor;

/**
 * A Llama-family decoder (llama, mistral, qwen2 with QKV bias, qwen3 with Q/K norms), written once and
 * parameterised by {@link Batch}: token batches at arbitrary positions, causal or tree masks, sublayer skipping,
 * logits and hidden states for chosen rows. Immutable and shareable; per-conversation state lives in {@link Session}.
 */
public final class Transformer {
    final ModelConfig config;
    final WeightTensor tokenEmbedding;
    final LayerWeights[] layers;
    final float[] outputNorm;
    final WeightTensor output;
    final float[] ropeFreqs; // per rotated pair: inverse frequency (after factors and scaling)
    final Parallel pool;

    public Transformer(GgufFile file, Parallel pool) {
        this.config = ModelConfig.from(file);
        this.pool = pool;
        ModelConfig c = config;
        this.tokenEmbedding = WeightTensor.of(file.requireTensor("token_embd.weight"));
        this.layers = new LayerWeights[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers[l] = new LayerWeights(
                    vector(file, p + "attn_norm.weight", c.dim(), true),
                    matrix(file, p + "attn_q.weight", c.qDim(), c.dim()),
                    matrix(file, p + "attn_k.weight", c.kvDim(), c.dim()),
                    matrix(file, p + "attn_v.weight", c.kvDim(), c.dim()),
                    matrix(file, p + "attn_output.weight", c.dim(), c.qDim()),
                    vector(file, p + "attn_q.bias", c.qDim(), false),
                    vector(file, p + "attn_k.bias", c.kvDim(), false),
                    vector(file, p + "attn_v.bias", c.kvDim(), false),
                    vector(file, p + "attn_q_norm.weight", c.headDim(), false),
                    vector(file, p + "attn_k_norm.weight", c.headDim(), false),
                    vector(file, p + "ffn_norm.weight", c.dim(), true),
                    matrix(file, p + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    matrix(file, p + "ffn_up.weight", c.ffnDim(), c.dim()),
                    matrix(file, p + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        this.outputNorm = vector(file, "output_norm.weight", c.dim(), true);
        TensorInfo out = file.tensor("output.weight");
        this.output = out != null ? checked(WeightTensor.of(out), c.vocabSize(), c.dim()) : tokenEmbedding; // tied embeddings
        float[] factors = vector(file, "rope_freqs.weight", c.ropeDim() / 2, false);
        this.ropeFreqs = new float[c.ropeDim() / 2];
        for (int i = 0; i < ropeFreqs.length; i++) {
            double f = Math.pow(c.ropeTheta(), -2.0 * i / c.ropeDim()) * c.ropeFreqScale();
            if (factors != null) f /= factors[i];
            ropeFreqs[i] = (float) f;
        }
    }

    public ModelConfig config() { return config; }
    public Parallel pool() { return pool; }
    public WeightTensor tokenEmbedding() { return tokenEmbedding; }
    public WeightTensor outputMatrix() { return output; }
    public boolean tiedEmbeddings() { return output == tokenEmbedding; }

    /** A new conversation state with a KV cache of {@code contextSize} positions. */
    public Session newSession(int contextSize) {
        if (contextSize <= 0) throw new IllegalArgumentException("context size must be positive");
        return new Session(this, Math.min(contextSize, Math.max(1, config.contextLength())));
    }

    private static WeightTensor matrix(GgufFile f, String name, int rows, int cols) {
        return checked(WeightTensor.of(f.requireTensor(name)), rows, cols);
    }

    private static WeightTensor checked(WeightTensor t, int rows, int cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new GgufException("tensor '" + t.name() + "' has shape [" + t.rows() + " x " + t.cols() + "], expected ["
                    + rows + " x " + cols + "]");
        }
        return t;
    }

    private static float[] vector(GgufFile f, String name, int size, boolean required) {
        TensorInfo t = required ? f.requireTensor(name) : f.tensor(name);
        if (t == null) return null;
        if (t.elements() != size) throw new GgufException("tensor '" + name + "' has " + t.elements() + " values, expected " + size);
        WeightTensor w = WeightTensor.of(t);
        return w.toFloatArray();
    }

    // ---- the forward pass -------------------------------------------------------------------------------

    ForwardResult forward(Session s, Batch b) {
        ModelConfig c = config;
        KVCache cache = s.cache;
        int n = b.size(), dim = c.dim(), base = cache.length();
        if (base + n > cache.capacity) {
            throw new IllegalStateException("context full: " + base + " cached + " + n + " new tokens exceed the context size " + cache.capacity);
        }
        for (int t : b.tokens()) {
            if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " outside vocabulary 0.." + (c.vocabSize() - 1));
        }
        s.ensure(n);
        System.arraycopy(b.tokens(), 0, cache.tokens, base, n);
        float[] x = s.x, xb = s.xb;
        for (int i = 0; i < n; i++) tokenEmbedding.dequantizeRow(b.tokens()[i], x, i * dim);
        ropeAngles(s, b.positions(), n);
        SkipSet skip = b.skip();
        cache.setLength(base + n);
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = layers[l];
            if (skip == null || !skip.skipAttention(l)) {
                rmsNorm(x, w.attnNorm(), xb, n, dim);
                attention(s, b, l, w, base, n);
                w.wo().matmul(s.att, n, s.xb2, pool);
                addInto(x, s.xb2, n * dim);
            }
            if (skip == null || !skip.skipMlp(l)) {
                rmsNorm(x, w.ffnNorm(), xb, n, dim);
                WeightTensor.matmul(xb, n, pool, w.gate(), s.hb, w.up(), s.hb2, null, null);
                int len = n * c.ffnDim();
                if (len < PARALLEL_SWIGLU) VectorMath.siluTimes(s.hb, s.hb2, 0, len); else pool.forRange(len, 64, s.swiglu);
                w.down().matmul(s.hb, n, s.xb2, pool);
                addInto(x, s.xb2, n * dim);
            }
        }
        int[] rows = b.outputRows();
        int m = rows.length;
        ForwardResult r = s.result;
        r.rows = m;
        if (r.hidden.length < m * dim) r.hidden = new float[m * dim];
        for (int i = 0; i < m; i++) System.arraycopy(x, rows[i] * dim, s.xb, i * dim, dim);
        rmsNorm(s.xb, outputNorm, r.hidden, m, dim);
        if (b.logits()) {
            if (r.logits.length < m * c.vocabSize()) r.logits = new float[m * c.vocabSize()];
            output.matmul(r.hidden, m, r.logits, pool);
        }
        return r;
    }

    private void attention(Session s, Batch b, int l, LayerWeights w, int base, int n) {
        ModelConfig c = config;
        int qDim = c.qDim(), kvDim = c.kvDim(), hd = c.headDim();
        WeightTensor.matmul(s.xb, n, pool, w.wq(), s.q, w.wk(), s.k, w.wv(), s.v);
        for (int i = 0; i < n; i++) {
            if (w.bq() != null) addInto(s.q, i * qDim, w.bq());
            if (w.bk() != null) addInto(s.k, i * kvDim, w.bk());
            if (w.bv() != null) addInto(s.v, i * kvDim, w.bv());
            if (w.qNorm() != null) for (int h = 0; h < c.heads(); h++) rmsNormInPlace(s.q, i * qDim + h * hd, w.qNorm(), hd);
            if (w.kNorm() != null) for (int h = 0; h < c.kvHeads(); h++) rmsNormInPlace(s.k, i * kvDim + h * hd, w.kNorm(), hd);
            for (int h = 0; h < c.heads(); h++) rope(s, s.q, i * qDim + h * hd, i);
            for (int h = 0; h < c.kvHeads(); h++) rope(s, s.k, i * kvDim + h * hd, i);
        }
        KVCache cache = s.cache;
        cache.put(l, base, s.k, s.v, n);
        AttentionHeads heads = s.attentionHeads;
        heads.set(cache.keys[l], cache.values[l], b.mask(), base, n, b.visiblePrefix() < 0 ? base : Math.min(base, b.visiblePrefix()));
        pool.forRange(n * c.heads(), 1, heads);
    }

    /** The rotation of every pair at each batch token's position, once per pass rather than per head and layer. */
    private void ropeAngles(Session s, int[] positions, int n) {
        int half = ropeFreqs.length;
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < half; i++) {
                double angle = (double) positions[t] * ropeFreqs[i];
                s.ropeCos[t * half + i] = (float) Math.cos(angle);
                s.ropeSin[t * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /** Rotates the head at {@code v[off..]} of batch token {@code t} by the angles {@link #ropeAngles} computed. */
    private void rope(Session s, float[] v, int off, int t) {
        int half = ropeFreqs.length;
        boolean adjacent = config.ropeStyle() == ModelConfig.RopeStyle.ADJACENT_PAIRS;
        for (int i = 0; i < half; i++) {
            float cos = s.ropeCos[t * half + i], sin = s.ropeSin[t * half + i];
            int a = adjacent ? off + 2 * i : off + i;
            int bIdx = adjacent ? a + 1 : off + i + half;
            float x0 = v[a], x1 = v[bIdx];
            v[a] = x0 * cos - x1 * sin;
            v[bIdx] = x0 * sin + x1 * cos;
        }
    }

    private void rmsNorm(float[] in, float[] weight, float[] out, int n, int dim) {
        for (int i = 0; i < n; i++) {
            int o = i * dim;
            float ss = VectorMath.sumSquares(in, o, dim);
            float inv = (float) (1.0 / Math.sqrt(ss / dim + config.rmsEps()));
            for (int j = 0; j < dim; j++) out[o + j] = weight[j] * (inv * in[o + j]);
        }
    }

    private void rmsNormInPlace(float[] v, int off, float[] weight, int size) {
        float ss = VectorMath.sumSquares(v, off, size);
        float inv = (float) (1.0 / Math.sqrt(ss / size + config.rmsEps()));
        for (int j = 0; j < size; j++) v[off + j] = weight[j] * (inv * v[off + j]);
    }

    private static void addInto(float[] x, float[] y, int len) {
        for (int i = 0; i < len; i++) x[i] += y[i];
    }

    private static void addInto(float[] x, int off, float[] bias) {
        for (int i = 0; i < bias.length; i++) x[off + i] += bias[i];
    }

    /** SwiGLU elements from which a parallel loop pays (~1 ns each with the vector exp, against a loop's hand-off of a few us). */
    private static final int PARALLEL_SWIGLU = 4096;
}

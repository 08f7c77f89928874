package dev.skipjack.model;

import dev.skipjack.tensor.VectorMath;

/**
 * The state of one conversation with a {@link Transformer}: its KV cache and the activation buffers reused by
 * every forward pass (so decoding allocates nothing per token once the buffers have grown to the batch size).
 * Not thread-safe: one session per concurrent request.
 */
public final class Session {
    final Transformer model;
    final KVCache cache;
    final ForwardResult result;
    float[] x, xb, xb2, q, k, v, att, hb, hb2;
    /** cos and sin of every rotated pair's angle at each batch token's position (the same for all heads and layers). */
    float[] ropeCos, ropeSin;
    private final float[][] scores;
    final AttentionHeads attentionHeads;
    /** SwiGLU over a slice of hb/hb2, the body of the parallel loop for large batches (made once: no allocation per call). */
    final dev.skipjack.tensor.Parallel.RangeBody swiglu = (worker, start, end) -> VectorMath.siluTimes(hb, hb2, start, end);
    private int batchCapacity;

    Session(Transformer model, int contextSize) {
        this.model = model;
        ModelConfig c = model.config;
        this.cache = new KVCache(c.layers(), contextSize, c.kvDim());
        this.result = new ForwardResult(c.vocabSize(), c.dim());
        this.scores = new float[model.pool.threads()][];
        this.attentionHeads = new AttentionHeads(this, c);
    }

    public KVCache cache() { return cache; }
    public int contextSize() { return cache.capacity(); }
    public Transformer model() { return model; }

    /** Runs the batch through the model, appending its tokens' keys and values to the cache. */
    public ForwardResult forward(Batch batch) { return model.forward(this, batch); }

    void ensure(int n) {
        if (n <= batchCapacity) return;
        ModelConfig c = model.config;
        int cap = Math.max(n, batchCapacity * 2);
        x = new float[cap * c.dim()];
        xb = new float[cap * c.dim()];
        xb2 = new float[cap * c.dim()];
        q = new float[cap * c.qDim()];
        att = new float[cap * c.qDim()];
        k = new float[cap * c.kvDim()];
        v = new float[cap * c.kvDim()];
        hb = new float[cap * c.ffnDim()];
        hb2 = new float[cap * c.ffnDim()];
        ropeCos = new float[cap * model.ropeFreqs.length];
        ropeSin = new float[cap * model.ropeFreqs.length];
        batchCapacity = cap;
    }

    float[] scores(int worker) {
        float[] s = scores[worker];
        if (s == null) scores[worker] = s = new float[VectorMath.roundUpToVector(cache.capacity())]; // whole vectors: see softmaxNumerators
        return s;
    }
}

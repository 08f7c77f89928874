package dev.skipjack.synth;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.gguf.TensorInfo;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A deliberately plain forward pass in double precision, straight from an F32 GGUF's tensors, written from the
 * architecture definitions (llama.cpp's graphs) rather than from our Transformer: RMSNorm, Q/K/V (+bias), per-head
 * Q/K RMSNorm before RoPE, RoPE by adjacent pairs (llama) or halves (qwen, NeoX), rope frequency divisors, causal
 * grouped-query attention, SwiGLU, tied or separate LM head. Switches for deliberately wrong variants let a test show
 * that it would notice each mistake.
 */
final class ReferenceForward {
    enum Variant { CORRECT, QK_NORM_AFTER_ROPE, NO_QK_NORM, WRONG_ROPE_STYLE, NO_ROPE_FACTORS }

    private final GgufFile f;
    private final String arch;
    private final int dim, layers, heads, kvHeads, hd, ffn, ropeDim;
    private final double eps, theta;

    ReferenceForward(GgufFile f) {
        this.f = f;
        this.arch = f.requireString("general.architecture");
        String p = arch + ".";
        dim = f.requireInt(p + "embedding_length");
        layers = f.requireInt(p + "block_count");
        heads = f.requireInt(p + "attention.head_count");
        kvHeads = f.requireInt(p + "attention.head_count_kv");
        hd = (int) f.getLong(p + "attention.key_length", dim / heads);
        ffn = f.requireInt(p + "feed_forward_length");
        ropeDim = (int) f.getLong(p + "rope.dimension_count", hd);
        eps = f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        theta = f.getFloat(p + "rope.freq_base", 10000f);
    }

    private float[] tensor(String name) {
        TensorInfo t = f.tensor(name);
        if (t == null) return null;
        if (t.type() != GgmlType.F32) throw new IllegalArgumentException(name + " is not F32");
        return t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** Logits [position][vocab] for tokens at positions start, start+1, ... */
    double[][] logits(int[] tokens, int start, Variant variant) {
        int n = tokens.length;
        float[] emb = tensor("token_embd.weight");
        int vocab = emb.length / dim;
        double[][] x = new double[n][dim];
        for (int t = 0; t < n; t++) for (int d = 0; d < dim; d++) x[t][d] = emb[tokens[t] * dim + d];
        float[] factors = variant == Variant.NO_ROPE_FACTORS ? null : tensor("rope_freqs.weight");
        boolean halves = arch.startsWith("qwen") ^ (variant == Variant.WRONG_ROPE_STYLE);
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            float[] wq = tensor(b + "attn_q.weight"), wk = tensor(b + "attn_k.weight"), wv = tensor(b + "attn_v.weight");
            float[] wo = tensor(b + "attn_output.weight");
            float[] bq = tensor(b + "attn_q.bias"), bk = tensor(b + "attn_k.bias"), bv = tensor(b + "attn_v.bias");
            float[] qn = variant == Variant.NO_QK_NORM ? null : tensor(b + "attn_q_norm.weight");
            float[] kn = variant == Variant.NO_QK_NORM ? null : tensor(b + "attn_k_norm.weight");
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(x[t], tensor(b + "attn_norm.weight"));
                q[t] = add(matvec(wq, xn, heads * hd), bq);
                k[t] = add(matvec(wk, xn, kvHeads * hd), bk);
                v[t] = add(matvec(wv, xn, kvHeads * hd), bv);
                boolean after = variant == Variant.QK_NORM_AFTER_ROPE;
                for (int h = 0; h < heads; h++) {
                    if (qn != null && !after) headNorm(q[t], h, qn);
                    rope(q[t], h * hd, start + t, halves, factors);
                    if (qn != null && after) headNorm(q[t], h, qn);
                }
                for (int h = 0; h < kvHeads; h++) {
                    if (kn != null && !after) headNorm(k[t], h, kn);
                    rope(k[t], h * hd, start + t, halves, factors);
                    if (kn != null && after) headNorm(k[t], h, kn);
                }
            }
            for (int t = 0; t < n; t++) {
                double[] att = new double[heads * hd];
                for (int h = 0; h < heads; h++) {
                    int kvh = h / (heads / kvHeads);
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[u][kvh * hd + i];
                        s[u] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) { s[u] = Math.exp(s[u] - max); sum += s[u]; }
                    for (int u = 0; u <= t; u++) for (int i = 0; i < hd; i++) att[h * hd + i] += s[u] / sum * v[u][kvh * hd + i];
                }
                double[] o = matvec(wo, att, dim);
                for (int d = 0; d < dim; d++) x[t][d] += o[d];
            }
            float[] wg = tensor(b + "ffn_gate.weight"), wu = tensor(b + "ffn_up.weight"), wd = tensor(b + "ffn_down.weight");
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(x[t], tensor(b + "ffn_norm.weight"));
                double[] g = matvec(wg, xn, ffn), u = matvec(wu, xn, ffn);
                for (int i = 0; i < ffn; i++) g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                double[] o = matvec(wd, g, dim);
                for (int d = 0; d < dim; d++) x[t][d] += o[d];
            }
        }
        float[] out = tensor("output.weight");
        if (out == null) out = emb;
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) logits[t] = matvec(out, rmsNorm(x[t], tensor("output_norm.weight")), vocab);
        return logits;
    }

    private double[] rmsNorm(double[] x, float[] w) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double inv = 1 / Math.sqrt(ss / x.length + eps);
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) r[i] = x[i] * inv * w[i];
        return r;
    }

    private void headNorm(double[] x, int h, float[] w) {
        double ss = 0;
        for (int i = 0; i < hd; i++) ss += x[h * hd + i] * x[h * hd + i];
        double inv = 1 / Math.sqrt(ss / hd + eps);
        for (int i = 0; i < hd; i++) x[h * hd + i] = x[h * hd + i] * inv * w[i];
    }

    private void rope(double[] x, int off, int pos, boolean halves, float[] factors) {
        int half = ropeDim / 2;
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(theta, -2.0 * i / ropeDim);
            if (factors != null) freq /= factors[i];
            double a = pos * freq, c = Math.cos(a), s = Math.sin(a);
            int i0 = halves ? off + i : off + 2 * i, i1 = halves ? off + i + half : off + 2 * i + 1;
            double x0 = x[i0], x1 = x[i1];
            x[i0] = x0 * c - x1 * s;
            x[i1] = x0 * s + x1 * c;
        }
    }

    /** Rows of {@code w} (each x.length long) times x. */
    private static double[] matvec(float[] w, double[] x, int rows) {
        int cols = x.length;
        if ((long) rows * cols != w.length) throw new IllegalArgumentException(rows + "x" + cols + " vs " + w.length);
        double[] r = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < cols; j++) s += w[i * cols + j] * x[j];
            r[i] = s;
        }
        return r;
    }

    private static double[] add(double[] x, float[] b) {
        if (b != null) for (int i = 0; i < x.length; i++) x[i] += b[i];
        return x;
    }
}

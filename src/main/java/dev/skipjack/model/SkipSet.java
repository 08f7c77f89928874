package dev.skipjack.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which sublayers a forward pass replaces by the identity: attention and MLP of each layer independently
 * (the 2L choices of self-speculative decoding). A skipped attention sublayer writes no KV entry.
 */
public final class SkipSet {
    private final boolean[] attn;
    private final boolean[] mlp;

    public SkipSet(boolean[] attn, boolean[] mlp) {
        if (attn.length != mlp.length) throw new IllegalArgumentException("attn and mlp lengths differ");
        this.attn = attn.clone();
        this.mlp = mlp.clone();
    }

    public static SkipSet none(int layers) { return new SkipSet(new boolean[layers], new boolean[layers]); }

    public static SkipSet of(int layers, int[] attnLayers, int[] mlpLayers) {
        boolean[] a = new boolean[layers], m = new boolean[layers];
        for (int l : attnLayers) a[check(l, layers)] = true;
        for (int l : mlpLayers) m[check(l, layers)] = true;
        return new SkipSet(a, m);
    }

    private static int check(int l, int layers) {
        if (l < 0 || l >= layers) throw new IllegalArgumentException("layer " + l + " out of range 0.." + (layers - 1));
        return l;
    }

    public int layers() { return attn.length; }
    public boolean skipAttention(int layer) { return attn[layer]; }
    public boolean skipMlp(int layer) { return mlp[layer]; }

    public int[] attentionLayers() { return indices(attn); }
    public int[] mlpLayers() { return indices(mlp); }

    public int size() { return attentionLayers().length + mlpLayers().length; }
    public boolean isEmpty() { return size() == 0; }

    private static int[] indices(boolean[] b) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < b.length; i++) if (b[i]) l.add(i);
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override public boolean equals(Object o) {
        return o instanceof SkipSet s && Arrays.equals(attn, s.attn) && Arrays.equals(mlp, s.mlp);
    }
    @Override public int hashCode() { return 31 * Arrays.hashCode(attn) + Arrays.hashCode(mlp); }
    @Override public String toString() {
        return "attn" + Arrays.toString(attentionLayers()) + " mlp" + Arrays.toString(mlpLayers());
    }
}

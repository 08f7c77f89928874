package dev.skipjack.model;

import dev.skipjack.tensor.VectorMath;

/**
 * Keys and values of every layer for the tokens seen so far, one row per position slot.
 * A forward pass appends its new tokens' rows after {@link #length()}; speculative decoding then keeps only
 * what was accepted with {@link #truncate(int)} or {@link #keepRows(int, int[])}.
 */
public final class KVCache {
    final int capacity;
    final int kvDim;
    final float[][] keys;   // [layer][VectorMath.keyIndex(slot, i, kvDim)]: blocks of slots, element-major
    final float[][] values; // [layer][slot * kvDim + i]
    final int[] tokens;     // token id held by each slot
    private int length;

    public KVCache(int layers, int capacity, int kvDim) {
        this.capacity = capacity;
        this.kvDim = kvDim;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.tokens = new int[capacity];
        int keySlots = Math.ceilDiv(capacity, VectorMath.KEY_BLOCK) * VectorMath.KEY_BLOCK; // whole blocks
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[Math.multiplyExact(keySlots, kvDim)];
            values[l] = new float[Math.multiplyExact(capacity, kvDim)];
        }
    }

    public int length() { return length; }
    public int capacity() { return capacity; }

    /** The token whose keys and values slot {@code slot} holds. */
    public int tokenAt(int slot) {
        if (slot < 0 || slot >= length) throw new IndexOutOfBoundsException("slot " + slot + " outside cache length " + length);
        return tokens[slot];
    }

    void setLength(int n) { this.length = n; }

    /** Stores the keys and values of {@code n} new tokens ({@code kvDim} floats each, token-major) from slot {@code slot}. */
    void put(int layer, int slot, float[] k, float[] v, int n) {
        float[] keys = this.keys[layer];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < kvDim; c++) keys[VectorMath.keyIndex(slot + i, c, kvDim)] = k[i * kvDim + c];
        }
        System.arraycopy(v, 0, values[layer], slot * kvDim, n * kvDim);
    }

    /** Forgets every row from {@code newLength} on (rollback). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate cache of length " + length + " to " + newLength);
        }
        length = newLength;
    }

    /**
     * Keeps, after the first {@code base} rows, only the rows {@code base + rows[i]} (ascending offsets),
     * moved to {@code base + i}: how accepted tree nodes are made contiguous after verification.
     */
    public void keepRows(int base, int[] rows) {
        if (base < 0 || base > length) throw new IllegalArgumentException("base " + base + " outside cache length " + length);
        int prev = -1;
        for (int i = 0; i < rows.length; i++) {
            int src = base + rows[i];
            if (rows[i] <= prev || src >= length) throw new IllegalArgumentException("rows must be ascending offsets below " + (length - base));
            prev = rows[i];
            int dst = base + i;
            if (src != dst) {
                tokens[dst] = tokens[src];
                for (int l = 0; l < keys.length; l++) {
                    float[] k = keys[l];
                    for (int c = 0; c < kvDim; c++) k[VectorMath.keyIndex(dst, c, kvDim)] = k[VectorMath.keyIndex(src, c, kvDim)];
                    System.arraycopy(values[l], src * kvDim, values[l], dst * kvDim, kvDim);
                }
            }
        }
        length = base + rows.length;
    }
}

package dev.skipjack.gguf;

import java.lang.foreign.MemorySegment;

/**
 * One tensor of a GGUF file. {@code shape[0]} is the innermost (contiguous) dimension, as in GGML:
 * a weight matrix with {@code shape = [cols, rows]} stores row after row of {@code cols} values.
 */
public record TensorInfo(String name, long[] shape, GgmlType type, long offset, MemorySegment data) {
    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long byteSize() { return type.byteSize(elements()); }

    public int rows() {
        long r = 1;
        for (int i = 1; i < shape.length; i++) r *= shape[i];
        return Math.toIntExact(r);
    }

    public int cols() { return Math.toIntExact(shape[0]); }
}

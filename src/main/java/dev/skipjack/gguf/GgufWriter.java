package dev.skipjack.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files. Metadata values keep the Java type they were given with: {@link Integer} -> INT32,
 * {@link Long} -> UINT64... use the typed put methods for exact control. The file is written to a temporary
 * sibling and moved into place at the end, so a failure never leaves a half-written model behind.
 */
public final class GgufWriter {
    private record Meta(ValueType type, ValueType elementType, Object value) {}
    /**
     * Produces a tensor's encoded bytes while the file is written, so that a multi-GB model never has to be in
     * memory at once. Must write exactly the tensor's byte size.
     */
    @FunctionalInterface
    public interface TensorData { void writeTo(OutputStream out) throws IOException; }

    private record Tensor(String name, long[] shape, GgmlType type, long size, TensorData data) {}

    private final Map<String, Meta> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final int alignment = 32;

    public GgufWriter putString(String key, String v) { metadata.put(key, new Meta(ValueType.STRING, null, v)); return this; }
    public GgufWriter putUInt32(String key, long v) { metadata.put(key, new Meta(ValueType.UINT32, null, v)); return this; }
    public GgufWriter putInt32(String key, int v) { metadata.put(key, new Meta(ValueType.INT32, null, v)); return this; }
    public GgufWriter putFloat32(String key, float v) { metadata.put(key, new Meta(ValueType.FLOAT32, null, v)); return this; }
    public GgufWriter putBool(String key, boolean v) { metadata.put(key, new Meta(ValueType.BOOL, null, v)); return this; }
    public GgufWriter putStrings(String key, List<String> v) { metadata.put(key, new Meta(ValueType.ARRAY, ValueType.STRING, v)); return this; }
    public GgufWriter putFloats(String key, float[] v) { metadata.put(key, new Meta(ValueType.ARRAY, ValueType.FLOAT32, v)); return this; }
    public GgufWriter putInts(String key, int[] v) { metadata.put(key, new Meta(ValueType.ARRAY, ValueType.INT32, v)); return this; }

    /** Adds a tensor whose bytes are already encoded in {@code type}'s block layout. */
    public GgufWriter addTensor(String name, long[] shape, GgmlType type, byte[] data) {
        long expected = byteSize(name, shape, type);
        if (expected != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes given, " + expected + " expected");
        }
        tensors.add(new Tensor(name, shape.clone(), type, data.length, out -> out.write(data)));
        return this;
    }

    /** Adds a tensor whose bytes are generated when the file is written (see {@link TensorData}). */
    public GgufWriter addTensor(String name, long[] shape, GgmlType type, TensorData data) {
        tensors.add(new Tensor(name, shape.clone(), type, byteSize(name, shape, type), data));
        return this;
    }

    private long byteSize(String name, long[] shape, GgmlType type) {
        // refuse what GgufFile would refuse to read back
        if (shape.length < 1 || shape.length > 4) throw new IllegalArgumentException(name + ": " + shape.length + " dimensions (1 to 4 allowed)");
        for (long d : shape) if (d <= 0) throw new IllegalArgumentException(name + ": dimension " + d + " in " + java.util.Arrays.toString(shape));
        if (shape[0] % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": row length " + shape[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        for (Tensor t : tensors) if (t.name.equals(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        long elements = 1;
        for (long d : shape) elements = Math.multiplyExact(elements, d);
        return type.byteSize(elements);
    }

    public void write(Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, out.getFileName().toString(), ".partial");
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                Counter c = new Counter(os);
                c.i32(GgufFile.MAGIC);
                c.i32(3);
                c.i64(tensors.size());
                c.i64(metadata.size());
                for (var e : metadata.entrySet()) {
                    c.string(e.getKey());
                    Meta m = e.getValue();
                    c.i32(m.type.ordinal());
                    if (m.type == ValueType.ARRAY) {
                        c.i32(m.elementType.ordinal());
                        switch (m.elementType) {
                            case STRING -> { List<?> l = (List<?>) m.value; c.i64(l.size()); for (Object s : l) c.string((String) s); }
                            case FLOAT32 -> { float[] a = (float[]) m.value; c.i64(a.length); for (float f : a) c.i32(Float.floatToRawIntBits(f)); }
                            case INT32 -> { int[] a = (int[]) m.value; c.i64(a.length); for (int x : a) c.i32(x); }
                            default -> throw new IllegalStateException();
                        }
                    } else {
                        switch (m.type) {
                            case STRING -> c.string((String) m.value);
                            case UINT32 -> c.i32((int) (long) (Long) m.value);
                            case INT32 -> c.i32((Integer) m.value);
                            case FLOAT32 -> c.i32(Float.floatToRawIntBits((Float) m.value));
                            case BOOL -> c.u8((Boolean) m.value ? 1 : 0);
                            default -> throw new IllegalStateException();
                        }
                    }
                }
                long offset = 0;
                for (Tensor t : tensors) {
                    c.string(t.name);
                    c.i32(t.shape.length);
                    for (long d : t.shape) c.i64(d);
                    c.i32(t.type.id);
                    c.i64(offset);
                    offset = GgufFile.alignUp(offset + t.size, alignment);
                }
                c.pad(alignment);
                for (Tensor t : tensors) {
                    long before = c.pos;
                    t.data.writeTo(c.counting());
                    if (c.pos - before != t.size) {
                        throw new IllegalStateException(t.name + ": wrote " + (c.pos - before) + " bytes, expected " + t.size);
                    }
                    c.pad(alignment);
                }
            }
            try {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static final class Counter {
        final OutputStream os;
        long pos;
        final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Counter(OutputStream os) { this.os = os; }

        void u8(int v) throws IOException { os.write(v); pos++; }
        void i32(int v) throws IOException { buf.clear(); buf.putInt(v); os.write(buf.array(), 0, 4); pos += 4; }
        void i64(long v) throws IOException { buf.clear(); buf.putLong(v); os.write(buf.array(), 0, 8); pos += 8; }
        void bytes(byte[] b) throws IOException { os.write(b); pos += b.length; }
        void string(String s) throws IOException { byte[] b = s.getBytes(StandardCharsets.UTF_8); i64(b.length); bytes(b); }
        void pad(int a) throws IOException { while (pos % a != 0) u8(0); }

        /** A view that counts what tensor data writes through it. */
        OutputStream counting() {
            return new OutputStream() {
                @Override public void write(int b) throws IOException { os.write(b); pos++; }
                @Override public void write(byte[] b, int off, int len) throws IOException { os.write(b, off, len); pos += len; }
            };
        }
    }
}

package dev.skipjack.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped GGUF file (versions 1, 2 and 3): its metadata and its tensors.
 * The file stays mapped (or, see {@link #open(Path, boolean)}, copied into huge pages) until {@link #close()}; tensor
 * data segments point into that memory.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    private static final long DEFAULT_ALIGNMENT = 32;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final boolean onHugePages;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment mapped, boolean onHugePages, int version, Map<String, Object> metadata,
                     Map<String, TensorInfo> tensors, long dataOffset) {
        this.path = path;
        this.onHugePages = onHugePages;
        this.arena = arena;
        this.mapped = mapped;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
    }

    /** Maps and parses a GGUF file; every structural problem becomes a {@link GgufException} naming the file. */
    public static GgufFile open(Path path) { return open(path, false); }

    /**
     * {@link #open(Path)}; with {@code hugePages}, the file is then copied into anonymous memory on transparent huge pages
     * (see {@link HugePages}) when the system has them and the copy fits in well under the available memory, and the
     * mapping is dropped: the matmul streams weights faster from there. Otherwise the file stays mapped.
     */
    public static GgufFile open(Path path, boolean hugePages) {
        return open(path, hugePages ? MIN_COPY_BYTES : Long.MAX_VALUE);
    }

    /** {@link #open(Path, boolean)} copying files of at least {@code copyFrom} bytes. */
    static GgufFile open(Path path, long copyFrom) {
        if (!Files.exists(path)) throw new GgufException("model file not found: " + path);
        if (Files.isDirectory(path)) throw new GgufException("model path is a directory, not a GGUF file: " + path);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            GgufFile f = parse(path, arena, seg, false); // validates the file before anything is copied
            if (size < copyFrom || size > 0.75 * availableMemory()) return f;
            GgufFile copied = copyToHugePages(path, seg);
            if (copied == null) return f;
            arena.close(); // unmaps the file
            return copied;
        } catch (NoSuchFileException e) {
            arena.close();
            throw new GgufException("model file not found: " + path);
        } catch (IOException e) {
            arena.close();
            throw new GgufException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (GgufException e) {
            arena.close();
            throw new GgufException(path.getFileName() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw new GgufException(path.getFileName() + ": corrupt GGUF file (" + e + ")", e);
        }
    }

    /** The file's bytes copied into huge-page memory and parsed there, or null where there is none. */
    private static GgufFile copyToHugePages(Path path, MemorySegment file) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment copy = HugePages.allocate(file.byteSize(), arena).orElse(null);
            if (copy == null) {
                arena.close();
                return null;
            }
            MemorySegment.copy(file, 0, copy, 0, file.byteSize());
            return parse(path, arena, copy, true);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Below this size a copy is not worth it: the whole file sits in the CPU's caches. */
    private static final long MIN_COPY_BYTES = 16L << 20;

    /** MemAvailable of /proc/meminfo (memory the kernel can hand out, reclaimable file cache included), or 0 where unknown. */
    private static long availableMemory() {
        return Math.max(0, HugePages.procKilobytes(Path.of("/proc/meminfo"), "MemAvailable:")) * 1024;
    }

    /**
     * Where the tensor data lives: "memory-mapped", or "copied to huge pages" with how much of this process's anonymous
     * memory the kernel actually backs with them (it falls back to small pages when memory is fragmented; the count also
     * includes other huge-page memory, such as the Java heap's).
     */
    public String residency() {
        if (!onHugePages) return "memory-mapped";
        long huge = HugePages.residentHugeBytes();
        return huge < 0 ? "copied to huge pages" : String.format("copied to huge pages (%.0f MB; the process has %.0f MB on huge pages)",
                mapped.byteSize() / 1e6, huge / 1e6);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg, boolean onHugePages) {
        Reader r = new Reader(seg);
        if (seg.byteSize() < 8) {
            if (seg.byteSize() == 0) throw new GgufException("file is empty (0 bytes), not a GGUF model");
            boolean ggufPrefix = true;
            for (int i = 0; i < Math.min(4, (int) seg.byteSize()); i++) {
                ggufPrefix &= seg.get(ValueLayout.JAVA_BYTE, i) == "GGUF".charAt(i);
            }
            if (ggufPrefix) throw new GgufException("file is truncated (" + seg.byteSize() + " bytes, shorter than a GGUF header)");
            throw new GgufException("not a GGUF file (only " + seg.byteSize() + " bytes)");
        }
        int magic = r.i32();
        if (magic != MAGIC) {
            if (Integer.reverseBytes(magic) == MAGIC) throw new GgufException("big-endian GGUF files are not supported");
            throw new GgufException("not a GGUF file (bad magic 0x" + Integer.toHexString(magic) + ")");
        }
        int version = r.i32();
        if (version < 1 || version > 3) {
            if (Integer.reverseBytes(version) >= 1 && Integer.reverseBytes(version) <= 3) {
                throw new GgufException("big-endian GGUF files are not supported");
            }
            throw new GgufException("unsupported GGUF version " + version + " (supported: 1, 2, 3)");
        }
        r.v1 = version == 1;
        long tensorCount = r.count();
        long kvCount = r.count();
        if (tensorCount < 0 || tensorCount > 1_000_000 || kvCount < 0 || kvCount > 1_000_000) {
            throw new GgufException("corrupt header: " + tensorCount + " tensors, " + kvCount + " metadata entries");
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = r.string();
            ValueType type = r.valueType();
            meta.put(key, r.value(type));
        }
        long alignment = DEFAULT_ALIGNMENT;
        Object a = meta.get("general.alignment");
        if (a instanceof Number n) {
            alignment = n.longValue();
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
                throw new GgufException("general.alignment " + alignment + " is not a power of two");
            }
        }
        record Raw(String name, long[] shape, int typeId, long offset) {}
        List<Raw> raws = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = r.string();
            int nDims = r.i32();
            if (nDims < 1 || nDims > 4) throw new GgufException("tensor '" + name + "' has " + nDims + " dimensions");
            long[] shape = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                shape[d] = r.count();
                if (shape[d] <= 0) throw new GgufException("tensor '" + name + "' has dimension " + shape[d]);
            }
            int typeId = r.i32();
            long offset = r.i64();
            raws.add(new Raw(name, shape, typeId, offset));
        }
        long dataOffset = alignUp(r.pos, alignment);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Raw raw : raws) {
            GgmlType type = GgmlType.byId(raw.typeId);
            if (type == null) {
                throw new GgufException("tensor '" + raw.name + "' has unknown tensor type id " + raw.typeId);
            }
            long elements = 1;
            for (long d : raw.shape) elements = Math.multiplyExact(elements, d);
            if (raw.shape[0] % type.blockSize != 0) {
                throw new GgufException("tensor '" + raw.name + "' row length " + raw.shape[0] + " is not a multiple of the "
                        + type + " block size " + type.blockSize);
            }
            long bytes = type.byteSize(elements);
            long start = dataOffset + raw.offset;
            if (raw.offset < 0 || raw.offset > seg.byteSize() || start > seg.byteSize() || bytes > seg.byteSize() - start) {
                throw new GgufException("file is truncated: tensor '" + raw.name + "' needs bytes " + start + ".."
                        + (start + bytes) + " but the file has " + seg.byteSize());
            }
            if (tensors.containsKey(raw.name)) throw new GgufException("duplicate tensor name '" + raw.name + "'");
            tensors.put(raw.name, new TensorInfo(raw.name, raw.shape, type, raw.offset, seg.asSlice(start, bytes)));
        }
        return new GgufFile(path, arena, seg, onHugePages, version, Collections.unmodifiableMap(meta),
                Collections.unmodifiableMap(tensors), dataOffset);
    }

    static long alignUp(long x, long a) { return (x + a - 1) / a * a; }

    public Path path() { return path; }
    public int version() { return version; }
    public Map<String, Object> metadata() { return metadata; }
    public Map<String, TensorInfo> tensors() { return tensors; }
    public long dataOffset() { return dataOffset; }
    public long fileSize() { return mapped.byteSize(); }

    public TensorInfo tensor(String name) { return tensors.get(name); }

    public TensorInfo requireTensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new GgufException(path.getFileName() + ": missing tensor '" + name + "'");
        return t;
    }

    public boolean has(String key) { return metadata.containsKey(key); }

    public String getString(String key, String def) {
        Object v = metadata.get(key);
        return v instanceof String s ? s : def;
    }

    public String requireString(String key) {
        Object v = metadata.get(key);
        if (!(v instanceof String s)) throw new GgufException(path.getFileName() + ": missing metadata '" + key + "'");
        return s;
    }

    public long getLong(String key, long def) {
        Object v = metadata.get(key);
        return v instanceof Number n ? n.longValue() : def;
    }

    public int requireInt(String key) {
        Object v = metadata.get(key);
        if (!(v instanceof Number n)) throw new GgufException(path.getFileName() + ": missing metadata '" + key + "'");
        return Math.toIntExact(n.longValue());
    }

    public float getFloat(String key, float def) {
        Object v = metadata.get(key);
        return v instanceof Number n ? n.floatValue() : def;
    }

    public boolean getBool(String key, boolean def) {
        Object v = metadata.get(key);
        return v instanceof Boolean b ? b : def;
    }

    /** Array metadata as a Java list (ints, floats, strings ...), or null when absent. */
    @SuppressWarnings("unchecked")
    public <T> List<T> getList(String key) {
        Object v = metadata.get(key);
        return v instanceof List<?> l ? (List<T>) l : null;
    }

    @Override
    public void close() { arena.close(); }

    /** Bounds-checked little-endian cursor; running past the end means the file is truncated. */
    private static final class Reader {
        final MemorySegment seg;
        long pos;
        boolean v1;

        Reader(MemorySegment seg) { this.seg = seg; }

        private void need(long n) {
            if (n < 0 || pos + n > seg.byteSize()) {
                throw new GgufException("file is truncated (header needs byte " + (pos + n) + ", file has " + seg.byteSize() + ")");
            }
        }

        int i32() { need(4); int v = seg.get(I32, pos); pos += 4; return v; }
        long i64() { need(8); long v = seg.get(I64, pos); pos += 8; return v; }
        /** Counts and string lengths are 32-bit in GGUF v1, 64-bit afterwards. */
        long count() { return v1 ? Integer.toUnsignedLong(i32()) : i64(); }

        String string() {
            long len = count();
            if (len < 0 || len > (1L << 30)) throw new GgufException("corrupt string length " + len + " at byte " + pos);
            need(len);
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        ValueType valueType() {
            int id = i32();
            ValueType t = ValueType.byId(id);
            if (t == null) throw new GgufException("unknown metadata value type " + id + " at byte " + (pos - 4));
            return t;
        }

        Object value(ValueType t) {
            switch (t) {
                case UINT8: need(1); return (int) (seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF);
                case INT8: need(1); return (int) seg.get(ValueLayout.JAVA_BYTE, pos++);
                case UINT16: { need(2); int v = seg.get(I16, pos) & 0xFFFF; pos += 2; return v; }
                case INT16: { need(2); int v = seg.get(I16, pos); pos += 2; return v; }
                case UINT32: return Integer.toUnsignedLong(i32());
                case INT32: return i32();
                case FLOAT32: { need(4); float v = seg.get(F32, pos); pos += 4; return v; }
                case BOOL: { need(1); byte b = seg.get(ValueLayout.JAVA_BYTE, pos++); return b != 0; }
                case STRING: return string();
                case UINT64: case INT64: return i64();
                case FLOAT64: { need(8); double v = seg.get(F64, pos); pos += 8; return v; }
                case ARRAY: {
                    ValueType et = valueType();
                    long n = count();
                    if (n < 0) throw new GgufException("corrupt array length " + n);
                    // every element takes at least one byte: more elements than bytes left means a cut file
                    if (n > seg.byteSize() - pos) {
                        throw new GgufException("file is truncated (array of " + n + " elements at byte " + pos + ", file has " + seg.byteSize() + " bytes)");
                    }
                    if (et == ValueType.INT32 || et == ValueType.UINT32) {
                        need(n * 4);
                        int[] a = seg.asSlice(pos, n * 4).toArray(I32);
                        pos += n * 4;
                        List<Object> out = new ArrayList<>((int) n);
                        for (int x : a) out.add(et == ValueType.INT32 ? (Object) x : (Object) Integer.toUnsignedLong(x));
                        return Collections.unmodifiableList(out);
                    }
                    if (et == ValueType.FLOAT32) {
                        need(n * 4);
                        float[] a = seg.asSlice(pos, n * 4).toArray(F32);
                        pos += n * 4;
                        List<Object> out = new ArrayList<>((int) n);
                        for (float x : a) out.add(x);
                        return Collections.unmodifiableList(out);
                    }
                    List<Object> out = new ArrayList<>((int) Math.min(n, 1 << 20));
                    for (long i = 0; i < n; i++) out.add(value(et));
                    return Collections.unmodifiableList(out);
                }
                default: throw new GgufException("unhandled metadata type " + t);
            }
        }
    }
}

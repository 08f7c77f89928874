package dev.skipjack.tensor;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.TensorInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.skipjack.tensor.Simd.L;

/**
 * A read-only matrix of {@code rows x cols} weights in one GGML type, backed by the memory-mapped file.
 * One subclass per tensor type supplies two decoders that agree bit for bit: a scalar reference
 * ({@link #dequantizeRowScalar}) and a vector one ({@link #decodeSpan}). The matmul lives here, once for all types
 * (see {@link #matmul}): it decodes a few rows at a time into an L1-sized scratch and runs register-tiled kernels
 * over them, so each weight is read and decoded once however many inputs there are.
 */
public abstract class WeightTensor {
    /**
     * Columns per K block of the matmul: a multiple of every block size (256) and of the vector width, and small
     * enough that four decoded rows (8 KB) and the inputs' slices stay in the L1 cache while the tiles run.
     */
    static final int KB = 512;
    /**
     * Up to this many inputs, block-quantized types decode whole rows instead of K blocks: with few inputs the scratch
     * is read only a few times, and long row streams keep the prefetchers ahead (measured: Q8_0 and Q4_0 at n = 2..4
     * 15-25% faster; F16 and BF16, whose decoders are stream-bound already, 10-40% slower, so they keep K blocks).
     */
    static final int WHOLE_ROWS = 4;
    /**
     * Above this many inputs, each K block decodes a panel of {@link #PANEL} rows rather than four. With many inputs
     * their slices of a block do not fit in L1, and the 4 x 6 tile then reads six input vectors from L2 per 24 FMAs, about
     * what L2 delivers; with a panel, an input tile's slice is read from L2 once and reused from L1 by every four-row
     * group of the panel.
     */
    static final int PANEL_INPUTS = 8, PANEL = 16;

    protected final String name;
    protected final int rows;
    protected final int cols;
    protected final MemorySegment data;
    protected final long rowBytes;
    /**
     * Whether the one-to-eight-input kernels of the f16-scaled block types look their scales up in a table
     * ({@link Bytes#f16(MemorySegment, long, boolean)}); off only to test the other path. A field and not a constant:
     * with the constant C2 compiled the one-input Q8_0 loop a third slower (Llama-3.2-1B Q8_0 decode 9.9 against 13.5
     * tok/s, the same bits).
     */
    boolean scaleLookup = true;

    protected WeightTensor(String name, int rows, int cols, MemorySegment data) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        this.rowBytes = type().byteSize(cols);
    }

    public abstract GgmlType type();

    /** See {@link #scaleLookup}. */
    void setScaleLookup(boolean lookup) { this.scaleLookup = lookup; }

    /** Bytes of this tensor's data. */
    public long byteSize() { return data.byteSize(); }

    /** Decodes row {@code row} into {@code dst[off .. off+cols)}. */
    public final void dequantizeRow(int row, float[] dst, int off) {
        decode(row, 0, cols, dst, off);
    }

    /** The reference decoder: plain scalar code following the GGML block layout. */
    abstract void dequantizeRowScalar(int row, float[] dst, int off);

    /**
     * Vector decoder of columns {@code [c0, c0+len)} of row {@code row} into {@code dst} from {@code off},
     * bit-identical to {@link #dequantizeRowScalar}. {@code c0} is a multiple of the block size and of L; {@code len} is a multiple
     * of the type's block size or ends the row. Only called when {@link Simd#ENABLED}.
     */
    abstract void decodeSpan(int row, int c0, int len, float[] dst, int off);

    /** Columns {@code [c0, c0+len)} of row {@code row}, by the vector decoder where there is one. */
    final void decode(int row, int c0, int len, float[] dst, int off) {
        if (Simd.ENABLED) {
            decodeSpan(row, c0, len, dst, off);
        } else if (c0 == 0 && len == cols) {
            dequantizeRowScalar(row, dst, off);
        } else {
            float[] full = Scratch.fullRow(cols);
            dequantizeRowScalar(row, full, 0);
            System.arraycopy(full, c0, dst, off, len);
        }
    }

    public String name() { return name; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public MemorySegment data() { return data; }

    /** Wraps a GGUF tensor, failing clearly for types the engine cannot compute with. */
    public static WeightTensor of(TensorInfo t) {
        int cols = t.cols(), rows = t.rows();
        MemorySegment d = t.data();
        return switch (t.type()) {
            case F32 -> new F32Tensor(t.name(), rows, cols, d);
            case F16 -> new F16Tensor(t.name(), rows, cols, d);
            case BF16 -> new BF16Tensor(t.name(), rows, cols, d);
            case Q8_0 -> new Q8_0Tensor(t.name(), rows, cols, d);
            case Q4_0 -> new Q4_0Tensor(t.name(), rows, cols, d);
            case Q4_1 -> new Q4_1Tensor(t.name(), rows, cols, d);
            case Q4_K -> new Q4_KTensor(t.name(), rows, cols, d);
            case Q5_K -> new Q5_KTensor(t.name(), rows, cols, d);
            case Q6_K -> new Q6_KTensor(t.name(), rows, cols, d);
            default -> throw new GgufException("tensor '" + t.name() + "' has type " + t.type()
                    + ", which skipjack does not support (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        };
    }

    /** Whole matrix as floats (tests, small tensors such as norms). */
    public float[] toFloatArray() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) dequantizeRow(r, out, r * cols);
        return out;
    }

    /**
     * {@code out[t*rows + r] = sum_c W[r][c] * x[t*cols + c]} for {@code n} input vectors.
     *
     * <p>Every element is {@link VectorMath#chainDot} of the decoded row and the input: one vector accumulator runs
     * over the chunks in order, then {@link VectorMath#sumLanes} and the scalar tail. That order depends only on
     * {@code cols}, so a token's result is bit-identical whatever the batch size (batch invariance) and whichever
     * thread computes it; and because each (row, input) pair needs just one accumulator, a 4 x 4 tile of pairs fits in
     * registers with every loaded vector feeding four FMAs. The inputs are first copied to an aligned native buffer
     * (see {@link VectorMath}).
     */
    public void matmul(float[] x, int n, float[] out, Parallel pool) {
        matmul(x, n, pool, this, out, null, null, null, null);
    }

    /**
     * Two or three matmuls over the same inputs (q, k and v; gate and up) in one parallel loop over all their rows:
     * each parallel loop costs a wake-up and a join, which on small models is a large part of a token's time.
     * Results are exactly those of separate {@link #matmul} calls. {@code c} and {@code outC} may be null.
     */
    public static void matmul(float[] x, int n, Parallel pool, WeightTensor a, float[] outA, WeightTensor b, float[] outB,
                              WeightTensor c, float[] outC) {
        int cols = a.cols;
        for (int i = 0; i < 3; i++) {
            WeightTensor w = i == 0 ? a : i == 1 ? b : c;
            float[] out = i == 0 ? outA : i == 1 ? outB : outC;
            if (w == null) continue;
            if (w.cols != cols) throw new IllegalArgumentException(w + " and " + a + " do not take the same inputs");
            if (x.length < n * cols || out.length < n * w.rows) {
                throw new IllegalArgumentException(w + ": " + n + " inputs need x[" + n * cols + "] and out[" + n * w.rows + "]");
            }
        }
        MatmulTask task = MatmulTask.CURRENT.get();
        task.set(task.input(x, n * cols), n, a, outA, b, outB, c, outC);
        try {
            pool.forRange(task.rows(), 16, task);
        } finally {
            task.set(null, 0, null, null, null, null, null, null);
        }
    }

    /**
     * Single-input kernel of the types that have one: {@code out[r] = chainDot(row r, x)} for rows {@code [r0, r1)},
     * decoding in registers, one chain per row. Only called with
     * {@code cols} a multiple of L. Returns false where the type has none or where it measured slower than the
     * tiles (which then run with one input).
     */
    boolean dotRows(int r0, int r1, MemorySegment x, float[] out) {
        return false;
    }

    /**
     * Two to four inputs in registers: {@link #dotRows}' loop with one chain per
     * input (inputs from n on repeat the last and are dropped), each weight vector decoded once. Returns false where the
     * type has none or where it measured slower than the tiles.
     */
    boolean dotRows4(int r0, int r1, MemorySegment x, int n, float[] out) {
        return false;
    }

    /**
     * The fused kernel: rows at byte offsets {@code p} and {@code q} times the four inputs at byte offsets
     * {@code x0..x3} of {@code x}, each weight vector decoded once in registers and fed to the four chains of its row,
     * in the matmul's order. Chain (row k, input j) is stored at {@code acc[ao + (8k + j)*L]}. It takes and returns no
     * vectors, so C2 never boxes one at the call, and it keeps each compiled body under C2's node budget (an eight-input
     * body written inside the matmul's loop ran out of it and fell back to boxed vectors, 10x slower; BF16's
     * {@link #fused8}, a method of its own like this one, does not). Only called with {@code cols} a multiple of L.
     *
     * <p>The plain float types and Q8_0 have one ({@link #fusedInputs}): their decoders are small enough. The other
     * block-quantized types' decoders pushed the body past the budget (F16, Q4_K, Q6_K: boxed, 8-15x slower) or measured
     * slower than the tiles (Q4_0 n = 2, 8), so they keep the tiles; Q8_0's pair kernel, too, is slower than its one-row
     * kernel at n = 2 and runs from five inputs on.
     */
    void fused4(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, float[] acc, int ao) {
        throw new UnsupportedOperationException(type() + " has no fused kernel");
    }

    /**
     * {@link #fused4} over eight inputs, chain (row k, input j) stored at {@code acc[(8k + j)*L]}. Here two calls of
     * {@link #fused4}, the second finding the two rows in L1; a type overrides it with one pass where its eight-input body
     * stays within C2's budget and measured faster.
     */
    void fused8(long p, long q, MemorySegment x, long x0, long x1, long x2, long x3, long x4, long x5, long x6, long x7, float[] acc) {
        fused4(p, q, x, x0, x1, x2, x3, acc, 0);
        fused4(p, q, x, x4, x5, x6, x7, acc, 4 * L);
    }

    /**
     * Up to how many inputs {@link #fused4} runs rather than the tiles; 0 where the type has none. Measured per type
     * (see the overrides).
     */
    int fusedInputs() { return 0; }

    /**
     * Four consecutive rows from byte offset {@code p} times the four inputs at byte offsets {@code x0..x3}, each weight
     * vector decoded once in registers and fed to four chains, in the matmul's order; chain (row k, input j) is stored at
     * {@code acc[(4k + j)*L]}. Like {@link #fused4} a method of its own that takes and returns no vector. Only called
     * with {@code cols} a multiple of L, for types whose {@link #quadInputs} is above 1.
     */
    void fusedQuad(long p, MemorySegment x, long x0, long x1, long x2, long x3, float[] acc) {
        throw new UnsupportedOperationException(type() + " has no four-row kernel");
    }

    /**
     * Up to how many inputs (from 2) the matmul runs four rows at a time through {@link #fusedQuad}, inputs in groups of
     * four; 0 where the type has no four-row kernel. Only with 16 lanes (AVX-512): the 16 chains and four weight
     * vectors need its 32 registers. Measured per type (see the overrides).
     */
    int quadInputs() { return 0; }

    /**
     * The rows of {@code [r0, r1)} up to the last whole group of four through {@link #fusedQuad}, inputs in groups of
     * four (the calls after the first find the four rows in the cache); returns the first row left undone. Against two
     * rows at a time ({@link #fusedRows}) each input vector feeds four FMAs instead of two, and four row streams are in
     * flight instead of two (see {@link BF16Tensor#quadInputs}).
     */
    private int quadRows(MemorySegment x, int n, float[] out, int r0, int r1) {
        float[] acc = Scratch.acc(24 * L);
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            long p = r * rowBytes;
            for (int j0 = 0; j0 < n; j0 += 4) {
                int m = Math.min(4, n - j0);
                long base = 4L * cols * j0;
                fusedQuad(p, x, base, base + VectorMath.input(1, m, cols), base + VectorMath.input(2, m, cols),
                        base + VectorMath.input(3, m, cols), acc);
                VectorMath.storeQuad(acc, out, rows, r, m, j0);
            }
        }
        return r;
    }

    /**
     * 1 to {@link #fusedInputs} inputs: two rows at a time, four inputs per {@link #fused4} call or eight per
     * {@link #fused8} (the calls after the first find the two rows in L1), so the weights stream from memory once while the FMAs run beside the decoding.
     * Unlike the tiles it needs no decoded copy of the rows, which is what makes small batches cheap: at n = 2..8 the
     * cost stays close to one input's. Inputs go in groups of {@link VectorMath#FUSED}, each group's chains reduced and
     * stored before the next.
     */
    private void fusedRows(MemorySegment x, int n, float[] out, int r0, int r1) {
        float[] acc = Scratch.acc(24 * L);
        for (int r = r0; r < r1; r += 2) {
            long p = r * rowBytes, q = Math.min(r + 1, r1 - 1) * rowBytes;
            for (int j0 = 0; j0 < n; j0 += VectorMath.FUSED) {
                int m = Math.min(VectorMath.FUSED, n - j0);
                long base = 4L * cols * j0;
                long i1 = base + VectorMath.input(1, m, cols), i2 = base + VectorMath.input(2, m, cols), i3 = base + VectorMath.input(3, m, cols);
                if (m > 4) {
                    fused8(p, q, x, base, i1, i2, i3, base + VectorMath.input(4, m, cols), base + VectorMath.input(5, m, cols),
                            base + VectorMath.input(6, m, cols), base + VectorMath.input(7, m, cols), acc);
                } else {
                    fused4(p, q, x, base, i1, i2, i3, acc, 0);
                }
                VectorMath.storeChains(acc, out, rows, r, m, r + 1 < r1, j0);
            }
        }
    }

    /**
     * The kernel over rows {@code [r0, r1)}; {@code x} holds the n inputs as native floats. A panel of rows (four, or
     * {@link #PANEL} with more than {@link #PANEL_INPUTS} inputs) at a time, one K block at a time: the block's columns of
     * the panel's rows are decoded into scratch (once, whatever n), then every input tile runs over each four-row group
     * in tiles of 4 x 6, 4 x 4, 4 x 2 or 4 x 1 pairs, whose accumulators are parked in {@code acc} between blocks (exact
     * stores, so the order stays that of one chain). Missing rows repeat the last one and a surplus input of a tile
     * repeats the last input; their results are dropped.
     *
     * <p>Java has no prefetch instruction, and decoding a block stalls on memory while the tiles that follow leave the
     * memory bus idle; so while a group computes, the next group's bytes are read, one byte per cache line, spread
     * over its tiles (measured: Q8_0 n = 2 20% faster, other cases 0-5%).
     */
    /** Written only in a case that never happens, so that C2 keeps the loads of {@link #touch}. */
    static volatile int prefetchSink;

    /**
     * Reads one byte per cache line of this tensor's bytes {@code [from, to)} and returns their sum, which the caller
     * must use (e.g. test it against {@link #prefetchSink}): Java has no prefetch instruction, so a kernel that would
     * stall on memory reads the lines it needs next before it computes.
     */
    final int touch(long from, long to) {
        int sum = 0;
        for (long q = from; q < to; q += 64) sum += data.get(ValueLayout.JAVA_BYTE, q);
        return sum;
    }

    /**
     * Columns per K block: at most {@link #KB}, in blocks of equal size where the type's block size allows. A row of 576
     * (SmolLM2) is two blocks of 288, not 512 and a 64-column remnant whose tiles would load and store their 24
     * accumulators for only 4 vectors of work each.
     */
    private int blockColumns() {
        int unit = Math.max(L, type().blockSize), blocks = Math.ceilDiv(cols, KB);
        return Math.min(KB, Math.ceilDiv(Math.ceilDiv(cols, blocks), unit) * unit);
    }

    final void matmulRows(MemorySegment x, int n, float[] out, int r0, int r1) {
        if (Simd.ENABLED && cols % L == 0) {
            if (n == 1 && dotRows(r0, r1, x, out)) return;
            if (L == 16 && n > 1 && n <= quadInputs()) r0 = quadRows(x, n, out, r0, r1);
            if (r0 == r1) return;
            if (n > 1 && n <= 4 && dotRows4(r0, r1, x, n, out)) return;
            if (n <= fusedInputs()) { fusedRows(x, n, out, r0, r1); return; }
        }
        for (int j0 = 0; j0 < n; j0 += INPUT_BLOCK) tiles(x, j0, Math.min(INPUT_BLOCK, n - j0), out, r0, r1);
    }

    /**
     * The tiles take at most this many inputs at a time; more (a prefill) run in blocks, each decoding the rows again.
     * A block's accumulators and input slices then stay within L2: with all 512 inputs of a prefill at once the parked
     * accumulators alone were half a megabyte per panel. Measured (8192 x 2048, 2 threads, n = 512): Q4_K 142 -> 171-185
     * GFLOP/s, F32 136 -> 156, BF16 -> 164-173 (blocks of 32: 168, 64: 176, 96: 170, 192: 167, 256: 169 for Q4_K);
     * Llama-3.2-1B Q4_K prefill 64.0-65.3 -> 74.5-78.6 tok/s.
     */
    static final int INPUT_BLOCK = 128;

    /** {@link #matmulRows}' tiles for inputs {@code [j0, j0+n)}. */
    private void tiles(MemorySegment x, int j0, int n, float[] out, int r0, int r1) {
        int kb = n <= WHOLE_ROWS && type().blockSize > 1 ? cols : blockColumns(), main = cols - cols % L;
        int panel = n > PANEL_INPUTS ? PANEL : 4; // rows decoded per block
        float[] w = Scratch.row(panel * kb);
        // chains of inputs up to n rounded to a multiple of 4 (+2 for a padded tile): sumLanes16 reduces four inputs at once
        int padded = (n + 5) & ~3;
        int per = 4 * padded * L; // the chains of one four-row group
        int sums = panel / 4 * per; // the lane sums' scratch after the accumulators
        float[] acc = Scratch.acc(sums + 8 * L);
        long xs = 4L * cols, xb = j0 * xs;
        int spans = (cols + kb - 1) / kb, tiles = spans * (n / 6 + (n % 6 == 0 ? 0 : 1));
        int sink = 0;
        for (int b0 = r0; b0 < r1; b0 += panel) {
            int nr = Math.min(panel, r1 - b0), groups = (nr + 3) / 4;
            // the next panel's rows (contiguous bytes), touched a few cache lines per tile while this panel computes
            long pf = Math.min(b0 + panel, r1) * rowBytes, pfEnd = Math.min(b0 + 2 * panel, r1) * rowBytes;
            long pfStep = Math.ceilDiv(pfEnd - pf, 64L * tiles) * 64;
            for (int c0 = 0; c0 < cols; c0 += kb) {
                int len = Math.min(kb, cols - c0);
                for (int k = 0; k < 4 * groups; k++) decode(b0 + Math.min(k, nr - 1), c0, len, w, k * kb);
                int chunks = (Math.min(c0 + len, main) - c0) / L;
                boolean first = c0 == 0;
                long xc = xb + 4L * c0;
                int t = 0;
                for (; t < n; t += 6) { // touch the lines of the tile starting at t (at most one tile per six inputs)
                    long end = Math.min(pfEnd, pf + pfStep);
                    sink += touch(pf, end);
                    pf = Math.max(pf, end);
                }
                // each input tile runs over every four-row group of the panel: its inputs' slice stays in L1 meanwhile
                t = 0;
                for (; n - t >= 5; t += 6) {
                    long x0 = t * xs + xc, x5 = Math.min(t + 5, n - 1) * xs + xc;
                    for (int g = 0; g < groups; g++) {
                        VectorMath.tile4x6(w, 4 * g * kb, kb, chunks, x, x0, x0 + xs, x0 + 2 * xs, x0 + 3 * xs, x0 + 4 * xs, x5,
                                acc, g * per + 4 * t * L, first);
                    }
                }
                for (int g = 0; g < groups; g++) {
                    int wo = 4 * g * kb, ao = g * per + 4 * t * L;
                    if (n - t >= 3) {
                        long x0 = t * xs + xc, x3 = Math.min(t + 3, n - 1) * xs + xc;
                        VectorMath.tile4x4(w, wo, kb, chunks, x, x0, x0 + xs, x0 + 2 * xs, x3, acc, ao, first);
                    } else if (n - t == 2) VectorMath.tile4x2(w, wo, kb, chunks, x, t * xs + xc, (t + 1) * xs + xc, acc, ao, first);
                    else if (n - t == 1) VectorMath.tile4x1(w, wo, kb, chunks, x, t * xs + xc, acc, ao, first);
                }
            }
            if (sink == 42) prefetchSink = sink; // keeps the touches alive (C2 drops loads whose values are unused)
            // lane sums and the scalar tail (its weights are still in the scratch: the tail lies in the last block)
            int tail = cols - main, wt = main - kb * ((cols - 1) / kb); // the tail's offset within the last block
            for (int g = 0; g < groups; g++) {
                int rg = b0 + 4 * g, ng = Math.min(4, nr - 4 * g);
                for (int t = 0; t < n; t += 4) {
                    int ao = g * per + 4 * t * L;
                    if (L == 16) { // all 16 chains of the four inputs at once; padded inputs and repeated rows are dropped
                        VectorMath.sumLanes16(acc, ao, sums);
                    } else {
                        for (int p = 0; p < 16; p++) acc[ao + p] = VectorMath.sumLanes(acc, ao + p * L);
                    }
                    for (int j = t; j < Math.min(n, t + 4); j++) {
                        long xt = xb + j * xs + 4L * main;
                        for (int k = 0; k < ng; k++) {
                            float sum = acc[ao + 4 * (j - t) + k];
                            int wk = (4 * g + k) * kb + wt;
                            for (int i = 0; i < tail; i++) sum += w[wk + i] * x.get(Bytes.NATIVE_FLOAT, xt + 4L * i);
                            out[(j0 + j) * rows + rg + k] = sum;
                        }
                    }
                }
            }
        }
    }

    /**
     * The loop body handed to {@link Parallel}, with the aligned input buffer: one reusable instance per calling
     * thread, so a matmul allocates nothing (a capturing lambda would allocate on every call).
     */
    private static final class MatmulTask implements Parallel.RangeBody {
        static final ThreadLocal<MatmulTask> CURRENT = ThreadLocal.withInitial(MatmulTask::new);
        private MemorySegment buffer = MemorySegment.NULL;
        private MemorySegment x;
        private int n;
        // up to three tensors over the same inputs, their rows numbered one after another
        private WeightTensor a, b, c;
        private float[] outA, outB, outC;

        /** {@code x[0..len)} copied into the 64-byte aligned native buffer (grown as needed). */
        MemorySegment input(float[] x, int len) {
            if (buffer.byteSize() < 4L * len) buffer = Arena.ofAuto().allocate(Math.max(4L * len, 2 * buffer.byteSize()), 64);
            MemorySegment.copy(x, 0, buffer, Bytes.NATIVE_FLOAT, 0, len);
            return buffer;
        }

        void set(MemorySegment x, int n, WeightTensor a, float[] outA, WeightTensor b, float[] outB, WeightTensor c, float[] outC) {
            this.x = x; this.n = n;
            this.a = a; this.outA = outA; this.b = b; this.outB = outB; this.c = c; this.outC = outC;
        }

        int rows() { return a.rows + (b == null ? 0 : b.rows) + (c == null ? 0 : c.rows); }

        @Override public void run(int worker, int start, int end) {
            int ra = a.rows, rb = b == null ? 0 : b.rows;
            if (start < ra) a.matmulRows(x, n, outA, start, Math.min(end, ra));
            if (b != null && end > ra && start < ra + rb) b.matmulRows(x, n, outB, Math.max(start, ra) - ra, Math.min(end, ra + rb) - ra);
            if (c != null && end > ra + rb) c.matmulRows(x, n, outC, Math.max(start, ra + rb) - ra - rb, end - ra - rb);
        }
    }

    @Override
    public String toString() { return name + " " + type() + " [" + rows + " x " + cols + "]"; }
}

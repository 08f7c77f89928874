package dev.skipjack.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads for data-parallel loops over rows. The calling thread takes part,
 * so {@code threads == 1} runs everything inline.
 *
 * <p>A loop is cut into a few chunks per thread, and threads claim chunks as they go: a thread that is late
 * (descheduled on a busy machine) just takes fewer chunks, and the caller never waits for a worker that has not
 * started. Which thread computes a chunk never changes how its elements are computed, so results do not depend
 * on the thread count or on timing.
 *
 * <p>Idle workers spin briefly (decoding issues a loop every few microseconds) and then park. Nothing is
 * allocated per loop.
 */
public final class Parallel implements AutoCloseable {
    /** Body of a parallel loop: process items {@code [start, end)} as worker {@code worker}. */
    @FunctionalInterface
    public interface RangeBody { void run(int worker, int start, int end); }

    private static final long SPIN_NANOS = 200_000;
    private static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final Thread[] workers;
    /** (generation << 32) | next unclaimed chunk; claiming is a CAS, so a late worker cannot take a newer loop's chunk. */
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile boolean closed;
    // the current loop; written before state publishes a new generation, stable until all its chunks are done
    private volatile RangeBody body;
    private volatile int total, chunk, chunks;
    private volatile Throwable failure;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int id = i + 1;
            Thread t = new Thread(() -> workerLoop(id), "skipjack-worker-" + id);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public static int defaultThreads() { return Math.max(1, Runtime.getRuntime().availableProcessors()); }

    public int threads() { return threads; }

    /** Runs body over {@code [0, n)} in contiguous ranges whose boundaries are multiples of {@code align}. */
    public void forRange(int n, int align, RangeBody body) {
        if (n <= 0) return;
        if (threads == 1 || n <= align) { body.run(0, 0, n); return; }
        synchronized (this) {
            // Close the finished loop first: a worker that read its state just before it ended could otherwise
            // compare that stale chunk index with the new loop's chunk count, win the CAS and run a chunk early.
            long previous = state.get() >>> 32;
            state.set((previous << 32) | Integer.MAX_VALUE);
            int units = (n + align - 1) / align;
            int perChunk = Math.max(1, units / (threads * CHUNKS_PER_THREAD));
            this.body = body;
            this.total = n;
            this.chunk = perChunk * align;
            this.chunks = (units + perChunk - 1) / perChunk;
            this.failure = null;
            done.set(0);
            long gen = previous + 1;
            state.set(gen << 32);
            for (Thread w : workers) LockSupport.unpark(w);
            work(0, gen);
            for (int spins = 0; done.get() < chunks; spins++) {
                if (spins < 10_000) Thread.onSpinWait(); else Thread.yield();
            }
            this.body = null;
            Throwable f = failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error e) throw e;
            if (f != null) throw new RuntimeException(f);
        }
    }

    /** Claims and runs chunks of loop {@code gen} until none is left. */
    private void work(int id, long gen) {
        while (true) {
            long s = state.get();
            if (s >>> 32 != gen) return;
            int c = (int) s;
            if (c >= chunks) return;
            if (!state.compareAndSet(s, s + 1)) continue;
            try {
                int start = c * chunk;
                body.run(id, start, Math.min(total, start + chunk));
            } catch (Throwable t) {
                failure = t;
            } finally {
                done.incrementAndGet();
            }
        }
    }

    private void workerLoop(int id) {
        long seen = 0;
        while (!closed) {
            long idleSince = System.nanoTime();
            long gen;
            while ((gen = state.get() >>> 32) == seen && !closed) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) Thread.onSpinWait(); else LockSupport.park(this);
            }
            if (closed) return;
            seen = gen;
            work(id, gen);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}

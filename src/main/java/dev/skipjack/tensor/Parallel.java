package dev.skipjack.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads for data-parallel loops over rows. The calling thread takes part,
 * so {@code threads == 1} runs everything inline. Work is split into contiguous ranges, so which thread
 * computes an output element never changes how that element is summed (results do not depend on threads).
 */
public final class Parallel implements AutoCloseable {
    /** Body of a parallel loop: process items {@code [start, end)} as worker {@code worker}. */
    @FunctionalInterface
    public interface RangeBody { void run(int worker, int start, int end); }

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile RangeBody body;
    private volatile int total, grain;
    private volatile Thread caller;
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

    /** Runs body over {@code [0, n)} split into one contiguous range per thread (ranges aligned to {@code align}). */
    public void forRange(int n, int align, RangeBody body) {
        if (n <= 0) return;
        if (threads == 1 || n <= align) { body.run(0, 0, n); return; }
        synchronized (this) {
            this.body = body;
            this.total = n;
            this.grain = align;
            this.failure = null;
            this.caller = Thread.currentThread();
            pending.set(workers.length);
            generation++;
            for (Thread w : workers) LockSupport.unpark(w);
            runShare(0);
            int spins = 0;
            while (pending.get() != 0) {
                if (++spins < 20_000) Thread.onSpinWait(); else LockSupport.parkNanos(20_000);
            }
            this.body = null;
            Throwable f = failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error e) throw e;
            if (f != null) throw new RuntimeException(f);
        }
    }

    private void runShare(int id) {
        int n = total, a = grain;
        int units = (n + a - 1) / a;
        int per = units / threads, extra = units % threads;
        int startUnit = id * per + Math.min(id, extra);
        int endUnit = startUnit + per + (id < extra ? 1 : 0);
        int start = Math.min(n, startUnit * a), end = Math.min(n, endUnit * a);
        if (start < end) body.run(id, start, end);
    }

    private void workerLoop(int id) {
        long seen = 0;
        while (!closed) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < 50_000) Thread.onSpinWait(); else LockSupport.parkNanos(200_000);
            }
            if (closed) return;
            seen = generation;
            try {
                runShare(id);
            } catch (Throwable t) {
                failure = t;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}

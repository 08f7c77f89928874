package dev.skipjack.download;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Closes a response stream when no bytes have arrived for a while. HttpClient's request timeout only covers
 * the wait for headers; a body that stops mid-way would otherwise block {@code read()} forever. Closing the
 * stream from this thread makes the blocked read fail with an IOException, which the downloader then treats
 * as a resumable interruption.
 */
final class StallWatchdog implements AutoCloseable {
    private final Closeable stream;
    private final long stallNanos;
    private final Thread thread;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean fired;
    private volatile boolean closed;

    StallWatchdog(Closeable stream, Duration stall) {
        this.stream = stream;
        this.stallNanos = stall.toNanos();
        this.thread = Thread.ofVirtual().name("skipjack-download-watchdog").start(this::watch);
    }

    /** Records that data moved; call after every read and write. */
    void touch() { lastActivity = System.nanoTime(); }

    /** True if the watchdog closed the stream because of a stall. */
    boolean fired() { return fired; }

    private void watch() {
        long tick = Math.max(Duration.ofMillis(10).toNanos(), stallNanos / 4);
        while (!closed) {
            LockSupport.parkNanos(tick);
            if (!closed && System.nanoTime() - lastActivity > stallNanos) {
                fired = true;
                try {
                    stream.close();
                } catch (IOException ignored) {
                    // the reader sees the failure either way
                }
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}

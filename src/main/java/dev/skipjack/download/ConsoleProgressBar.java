package dev.skipjack.download;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Renders download progress as one self-overwriting line, e.g.
 * {@code model.gguf  42.0% [##########..............] 123.4/293.8 MB  11.2 MB/s  ETA 0:15}.
 * Redraws at most ten times a second (a terminal cannot show more, and printing is not free),
 * and ends the line with a newline when the download finishes.
 */
public final class ConsoleProgressBar implements ProgressListener {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final LongSupplier clock;
    private String name = "download";
    private long startNanos;
    private long startBytes;     // bytes already present when this transfer began (resume); excluded from speed
    private long lastDraw = Long.MIN_VALUE;
    private long lastDone;
    private long lastTotal = -1;
    private int lastWidth;
    private boolean drawn;

    /** Draws on standard error. */
    public ConsoleProgressBar() { this(System.err); }

    public ConsoleProgressBar(PrintStream out) { this(out, System::nanoTime); }

    ConsoleProgressBar(PrintStream out, LongSupplier nanoClock) {
        this.out = out;
        this.clock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    @Override
    public synchronized void onStart(String name, long bytesDone, long bytesTotal) {
        this.name = name;
        this.startNanos = clock.getAsLong();
        this.startBytes = bytesDone;
        this.lastDraw = Long.MIN_VALUE;
        draw(bytesDone, bytesTotal, true);
    }

    @Override
    public synchronized void onProgress(long bytesDone, long bytesTotal) {
        draw(bytesDone, bytesTotal, bytesTotal >= 0 && bytesDone >= bytesTotal);
    }

    @Override
    public synchronized void onFinish(boolean success) {
        if (!drawn) return;
        draw(lastDone, lastTotal, true);
        out.println();
        out.flush();
        drawn = false;
    }

    private void draw(long done, long total, boolean force) {
        lastDone = done;
        lastTotal = total;
        long now = clock.getAsLong();
        if (!force && lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        String line = render(name, done, total, done - startBytes, now - startNanos);
        // Pad with spaces so a shorter line fully overwrites the previous one.
        int pad = Math.max(0, lastWidth - line.length());
        out.print("\r" + line + " ".repeat(pad));
        out.flush();
        lastWidth = line.length();
        drawn = true;
    }

    /** One progress line; {@code sessionBytes} over {@code elapsedNanos} gives the speed. */
    static String render(String name, long done, long total, long sessionBytes, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0.05 ? sessionBytes / seconds : 0; // bytes/s; too early to tell => 0
        StringBuilder sb = new StringBuilder(name).append("  ");
        if (total > 0) {
            double frac = Math.min(1.0, (double) done / total);
            int filled = (int) Math.round(frac * BAR_WIDTH);
            sb.append(String.format(Locale.ROOT, "%5.1f%% [", frac * 100))
              .append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ")
              .append(String.format(Locale.ROOT, "%.1f/%.1f MB", done / 1e6, total / 1e6));
        } else {
            sb.append(String.format(Locale.ROOT, "%.1f MB", done / 1e6));
        }
        sb.append(String.format(Locale.ROOT, "  %.1f MB/s", rate / 1e6));
        if (total > 0 && done < total) {
            sb.append("  ETA ").append(rate > 0 ? formatDuration((long) Math.ceil((total - done) / rate)) : "--:--");
        } else if (total > 0) {
            sb.append("  in ").append(formatDuration(Math.round(seconds)));
        }
        return sb.toString();
    }

    /** h:mm:ss or m:ss. */
    static String formatDuration(long secs) {
        long h = secs / 3600, m = (secs / 60) % 60, s = secs % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}

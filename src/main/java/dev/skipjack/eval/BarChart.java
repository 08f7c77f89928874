package dev.skipjack.eval;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** A PNG with two grouped bar charts, speedup and tau, one group per task and one bar per method (Java2D, headless). */
public final class BarChart {
    private BarChart() {}

    private static final Color[] PALETTE = {
            new Color(0x8c8c8c), new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd)};
    private static final int BAR = 34, GROUP_GAP = 36, PANEL_H = 300, TOP = 70, LEFT = 56, PANEL_GAP = 60;

    public static void write(List<TaskResult> results, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> methods = new ArrayList<>(results.getFirst().methods().keySet());
        int groups = results.size();
        int panelW = Math.max(220, groups * (methods.size() * BAR + GROUP_GAP) + GROUP_GAP);
        int width = LEFT + panelW + PANEL_GAP + LEFT + panelW + 30;
        int height = TOP + PANEL_H + 90;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            String ref = results.getFirst().reference();
            text(g, "skipjack eval: " + results.getFirst().model(), 16, 24, 16, Font.BOLD, Color.BLACK, false);
            panel(g, results, methods, LEFT, panelW, "speedup over " + ref + " (tokens/s ratio)", MethodResult::speedup, 1.0, "x");
            panel(g, results, methods, LEFT + panelW + PANEL_GAP + LEFT, panelW, "tau (tokens per target forward)", MethodResult::tau, 1.0, "");
            int lx = LEFT, ly = TOP + PANEL_H + 62;
            for (int m = 0; m < methods.size(); m++) {
                g.setColor(PALETTE[m % PALETTE.length]);
                g.fillRect(lx, ly - 11, 14, 14);
                lx += 20 + text(g, methods.get(m), lx + 20, ly, 13, Font.PLAIN, Color.BLACK, false) + 16;
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer available");
    }

    private static void panel(Graphics2D g, List<TaskResult> results, List<String> methods, int x0, int w, String title,
                              ToDoubleFunction<MethodResult> value, double line, String suffix) {
        double max = line;
        for (TaskResult t : results) for (MethodResult m : t.methods().values()) {
            double v = value.applyAsDouble(m);
            if (Double.isFinite(v)) max = Math.max(max, v);
        }
        double top = niceCeil(max * 1.15);
        int y0 = TOP + PANEL_H; // baseline
        text(g, title, x0, TOP - 22, 13, Font.BOLD, Color.BLACK, false);
        g.setStroke(new BasicStroke(1f));
        double step = niceCeil(top / 5);
        for (double v = 0; v <= top + 1e-9; v += step) {
            int y = y0 - (int) Math.round(v / top * PANEL_H);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(x0, y, x0 + w, y);
            text(g, trim(v), x0 - 6, y + 4, 11, Font.PLAIN, Color.DARK_GRAY, true);
        }
        g.setColor(Color.BLACK);
        g.drawLine(x0, y0, x0 + w, y0);
        g.drawLine(x0, TOP - 10, x0, y0);
        int gx = x0 + GROUP_GAP;
        for (TaskResult t : results) {
            for (int m = 0; m < methods.size(); m++) {
                MethodResult r = t.methods().get(methods.get(m));
                double v = r == null ? Double.NaN : value.applyAsDouble(r);
                int bx = gx + m * BAR;
                if (Double.isFinite(v)) {
                    int h = (int) Math.round(v / top * PANEL_H);
                    g.setColor(PALETTE[m % PALETTE.length]);
                    g.fillRect(bx + 2, y0 - h, BAR - 4, h);
                    text(g, String.format(Locale.ROOT, "%.2f", v) + suffix, bx + BAR / 2, y0 - h - 4, 10, Font.PLAIN, Color.BLACK, null);
                } else {
                    text(g, "n/a", bx + BAR / 2, y0 - 4, 10, Font.PLAIN, Color.GRAY, null);
                }
            }
            text(g, t.task(), gx + methods.size() * BAR / 2, y0 + 18, 12, Font.PLAIN, Color.BLACK, null);
            gx += methods.size() * BAR + GROUP_GAP;
        }
        int ly = y0 - (int) Math.round(line / top * PANEL_H);
        g.setColor(new Color(0x555555));
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{5f, 4f}, 0f));
        g.drawLine(x0, ly, x0 + w, ly);
        g.setStroke(new BasicStroke(1f));
    }

    /** The smallest of 1, 2, 2.5, 5 x 10^k at or above v. */
    static double niceCeil(double v) {
        if (!(v > 0)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[]{1, 2, 2.5, 5, 10}) if (m * p >= v - 1e-12) return m * p;
        return 10 * p;
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /**
     * Draws text (align: false = left, true = right, null = centred) and returns its width. Text is best effort:
     * without usable fonts the chart is still written, just unlabelled.
     */
    private static int text(Graphics2D g, String s, int x, int y, int size, int style, Color c, Boolean rightAlign) {
        try {
            g.setFont(new Font(Font.SANS_SERIF, style, size));
            int w = g.getFontMetrics().stringWidth(s);
            int tx = rightAlign == null ? x - w / 2 : rightAlign ? x - w : x;
            g.setColor(c);
            g.drawString(s, tx, y);
            return w;
        } catch (RuntimeException | Error e) {
            if (e instanceof OutOfMemoryError oom) throw oom;
            return s.length() * size / 2;
        }
    }
}

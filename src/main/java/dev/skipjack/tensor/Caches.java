package dev.skipjack.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What the operating system says about the CPU caches (Linux sysfs); used to pick between kernel variants. */
public final class Caches {
    private static final Path CPU0 = Path.of("/sys/devices/system/cpu/cpu0/cache");
    private static final long LAST_LEVEL = readLastLevel();

    private Caches() {}

    /** Size in bytes of the last-level cache, 0 where the system does not say. */
    public static long lastLevelBytes() { return LAST_LEVEL; }

    /** Whether {@code bytes} of weights fit in half the last-level cache (the other half for activations and the rest). */
    public static boolean fitsInLastLevel(long bytes) { return LAST_LEVEL > 0 && bytes <= LAST_LEVEL / 2; }

    private static long readLastLevel() {
        int bestLevel = -1;
        long best = 0;
        try (Stream<Path> dirs = Files.list(CPU0)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("index")).toList()) {
                int level = Integer.parseInt(Files.readString(d.resolve("level")).trim());
                long size = parseSize(Files.readString(d.resolve("size")).trim());
                if (level > bestLevel || (level == bestLevel && size > best)) { bestLevel = level; best = size; }
            }
        } catch (IOException | RuntimeException e) { // not Linux, or an unexpected format: say nothing
            return 0;
        }
        return best;
    }

    /** "491520K", "2048K", "32M" or a plain byte count. */
    static long parseSize(String s) {
        char unit = Character.toUpperCase(s.charAt(s.length() - 1));
        long mult = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        return Long.parseLong(mult == 1 ? s : s.substring(0, s.length() - 1)) * mult;
    }
}

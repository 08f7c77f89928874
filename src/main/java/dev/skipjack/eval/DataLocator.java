package dev.skipjack.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds dataset files: by default under the shared datasets folder ({@code $SKIPJACK_SHARED/datasets},
 * {@code ../shared/datasets}, next to the installation, or {@code /work/shared/datasets}); with {@code --data PATH},
 * PATH may be a datasets root (holding e.g. {@code humaneval/HumanEval.jsonl}), a task's folder (holding
 * {@code HumanEval.jsonl}), or the test file itself.
 */
public final class DataLocator {
    private DataLocator() {}

    /** The files a task reads: its test set and, optionally, where its one-shot example comes from. */
    public record TaskFiles(Path test, Path examples) {}

    /** Candidate default roots, in order. */
    static List<Path> defaultRoots() {
        Set<Path> c = new LinkedHashSet<>();
        String env = System.getenv("SKIPJACK_SHARED");
        if (env != null && !env.isBlank()) c.add(Path.of(env).resolve("datasets"));
        String envData = System.getenv("SKIPJACK_DATASETS");
        if (envData != null && !envData.isBlank()) c.add(Path.of(envData));
        c.add(Path.of("../shared/datasets"));
        c.add(Path.of("shared/datasets"));
        try {
            Path code = Path.of(DataLocator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code.getParent(); p != null && c.size() < 12; p = p.getParent()) c.add(p.resolve("shared/datasets"));
        } catch (Exception ignored) {
        }
        c.add(Path.of("/work/shared/datasets"));
        List<Path> out = new ArrayList<>();
        for (Path p : c) out.add(p.toAbsolutePath().normalize());
        return out;
    }

    /** The default datasets root, or an exception naming where it looked. */
    public static Path defaultRoot() {
        List<Path> roots = defaultRoots();
        for (Path p : roots) if (Files.isDirectory(p)) return p;
        throw new IllegalArgumentException("shared datasets folder not found (looked in " + roots
                + "); give --data PATH or set SKIPJACK_SHARED");
    }

    /**
     * Resolves a task's files.
     *
     * @param test     the test file relative to a datasets root, e.g. {@code humaneval/HumanEval.jsonl}
     * @param examples the one-shot example file relative to the root, or null
     * @param override the --data argument, or null for the default root
     */
    public static TaskFiles resolve(String task, String test, String examples, Path override) {
        if (override == null) {
            Path root = defaultRoot();
            Path t = root.resolve(test);
            if (!Files.isRegularFile(t)) {
                throw new IllegalArgumentException("dataset for task '" + task + "' not found: " + t + " is missing (give --data PATH)");
            }
            return new TaskFiles(t, existing(examples == null ? null : root.resolve(examples)));
        }
        if (Files.isRegularFile(override)) return new TaskFiles(override, null);
        if (!Files.isDirectory(override)) throw new IllegalArgumentException("--data " + override + ": no such file or folder");
        Path asRoot = override.resolve(test);
        if (Files.isRegularFile(asRoot)) return new TaskFiles(asRoot, existing(examples == null ? null : override.resolve(examples)));
        Path asTaskDir = override.resolve(Path.of(test).getFileName());
        if (Files.isRegularFile(asTaskDir)) {
            return new TaskFiles(asTaskDir, existing(examples == null ? null : override.resolve(Path.of(examples).getFileName())));
        }
        throw new IllegalArgumentException("--data " + override + " has no dataset for task '" + task + "' (expected "
                + asRoot + " or " + asTaskDir + ", or give the file itself)");
    }

    private static Path existing(Path p) { return p != null && Files.isRegularFile(p) ? p : null; }
}

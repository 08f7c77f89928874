package dev.skipjack.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only shared folder (models with reference outputs, datasets) next to the repository. */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String env = System.getenv("SKIPJACK_SHARED");
        Path[] candidates = {
                env != null ? Path.of(env) : null, Path.of("../shared"), Path.of("../../shared"), Path.of("/work/shared")};
        for (Path p : candidates) if (p != null && Files.isDirectory(p.resolve("models"))) return p.toAbsolutePath().normalize();
        throw new IllegalStateException("shared data folder not found (looked for ../shared/models; set SKIPJACK_SHARED)");
    }

    public static Path model(String relative) { return root().resolve("models").resolve(relative); }

    public static Path dataset(String relative) { return root().resolve("datasets").resolve(relative); }
}

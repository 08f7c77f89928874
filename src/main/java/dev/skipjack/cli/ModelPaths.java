package dev.skipjack.cli;

import java.nio.file.Path;

/** Turns a --model argument into a local file (downloading hf: references). */
final class ModelPaths {
    private ModelPaths() {}

    static Path resolve(String spec) {
        return Path.of(spec);
    }
}

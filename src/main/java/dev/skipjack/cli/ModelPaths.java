package dev.skipjack.cli;

import dev.skipjack.download.ConsoleProgressBar;
import dev.skipjack.download.DownloadOptions;
import dev.skipjack.download.ModelResolver;

import java.nio.file.Path;

/** Turns a --model argument into a local file, downloading {@code hf:OWNER/REPO/FILE.gguf} into the cache first. */
final class ModelPaths {
    private ModelPaths() {}

    static Path resolve(String spec) {
        return ModelResolver.resolve(spec, DownloadOptions.defaults().withProgress(new ConsoleProgressBar()));
    }
}

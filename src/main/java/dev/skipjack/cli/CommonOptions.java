package dev.skipjack.cli;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.tensor.Parallel;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** Options every model-loading command shares. */
final class CommonOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH|hf:OWNER/REPO/FILE.gguf",
            description = "GGUF model: a local file, or hf:OWNER/REPO/FILE.gguf to download into the cache.")
    String model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "4096",
            description = "KV cache size in tokens, capped by the model's context length (default: ${DEFAULT-VALUE}).")
    int contextSize;

    @Option(names = "--no-huge-pages",
            description = "Keep the weights memory-mapped from the file instead of copying them into huge pages at load "
                    + "(the copy makes decoding faster; it needs the model's size in free memory).")
    boolean noHugePages;

    LanguageModel load() {
        int t = threads == null ? Parallel.defaultThreads() : threads;
        if (t < 1 || t > 256) throw new IllegalArgumentException("--threads must be between 1 and 256, got " + t);
        if (contextSize < 1) throw new IllegalArgumentException("--ctx-size must be positive, got " + contextSize);
        Path path = ModelPaths.resolve(model);
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("model file not found: " + path);
        return LanguageModel.load(path, new LanguageModel.Options(t, contextSize, !noHugePages));
    }
}

package dev.skipjack.api;

import dev.skipjack.decode.AutoregressiveDecoder;
import dev.skipjack.decode.Decoder;
import dev.skipjack.decode.GenerationParams;
import dev.skipjack.decode.GenerationResult;
import dev.skipjack.decode.TokenListener;
import dev.skipjack.decode.SpeculativeDecoder;
import dev.skipjack.draft.AdaptiveDraftExit;
import dev.skipjack.draft.OnlineSkipDrafter;
import dev.skipjack.draft.SelfSpeculativeDrafter;
import dev.skipjack.model.SkipSet;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.model.ModelConfig;
import dev.skipjack.model.Session;
import dev.skipjack.model.Transformer;
import dev.skipjack.tensor.JitSettings;
import dev.skipjack.tensor.Parallel;
import dev.skipjack.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * The library entry point: a GGUF model loaded for generation.
 * <pre>{@code
 * try (LanguageModel m = LanguageModel.load(Path.of("model.gguf"))) {
 *     m.generate("Once upon a time", GenerationParams.greedy(64), (id, text) -> System.out.print(text));
 * }
 * }</pre>
 * Weights stay memory-mapped until {@link #close()}. One generation at a time per instance (sessions are
 * independent, so create more with {@link #newSession()} for concurrent use of the same weights).
 */
public final class LanguageModel implements AutoCloseable {
    /**
     * Worker threads for the kernels, and the KV cache size in tokens (capped by the model's own context length).
     *
     * @param hugePages copy the weights into memory on transparent huge pages at load, where the system has them and
     *                  memory allows (faster decoding: the CPU's prefetcher stops at every 4 KB page of a mapped file);
     *                  false keeps the file memory-mapped
     */
    public record Options(int threads, int contextSize, boolean hugePages) {
        public Options {
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            if (contextSize < 1) throw new IllegalArgumentException("context size must be >= 1, got " + contextSize);
        }

        public Options(int threads, int contextSize) { this(threads, contextSize, true); }

        public static Options defaults() { return new Options(Parallel.defaultThreads(), 4096); }
    }

    private final GgufFile file;
    private final Parallel pool;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final Options options;
    private final java.util.Map<String, AdaptiveDraftExit> draftExits = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, OnlineSkipDrafter> onlineDrafters = new java.util.concurrent.ConcurrentHashMap<>();

    private LanguageModel(GgufFile file, Parallel pool, Transformer transformer, Tokenizer tokenizer, Options options) {
        this.file = file;
        this.pool = pool;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.options = options;
    }

    public static LanguageModel load(Path path) { return load(path, Options.defaults()); }

    public static LanguageModel load(Path path, Options options) {
        GgufFile file = GgufFile.open(path, options.hugePages());
        Parallel pool = null;
        try {
            pool = new Parallel(options.threads());
            warnOnce(JitSettings.slowKernelWarning());
            Transformer t = new Transformer(file, pool);
            Tokenizer tok = Tokenizer.from(file);
            return new LanguageModel(file, pool, t, tok, options);
        } catch (RuntimeException e) {
            if (pool != null) pool.close();
            file.close();
            throw e;
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    private static void warnOnce(String warning) {
        if (warning != null && WARNED.compareAndSet(false, true)) {
            System.getLogger("dev.skipjack").log(System.Logger.Level.WARNING, "skipjack: " + warning);
        }
    }

    public Tokenizer tokenizer() { return tokenizer; }
    public ModelConfig config() { return transformer.config(); }
    public Transformer transformer() { return transformer; }
    public GgufFile file() { return file; }
    public Options options() { return options; }

    /** Prompt tokens the way llama.cpp's tools make them: the model's BOS rule, special tokens recognised. */
    public int[] tokenize(String text) { return tokenizer.encode(text, true, true); }

    public String detokenize(int[] tokens) { return tokenizer.decode(tokens); }

    /** A fresh conversation state with its own KV cache. */
    public Session newSession() { return transformer.newSession(options.contextSize()); }

    public GenerationResult generate(String prompt, GenerationParams params, TokenListener listener) {
        return generate(tokenize(prompt), params, listener);
    }

    public GenerationResult generate(int[] prompt, GenerationParams params, TokenListener listener) {
        return generate(new AutoregressiveDecoder(tokenizer), prompt, params, listener);
    }

    /** Generation with a chosen decoding strategy (e.g. a speculative decoder). */
    public GenerationResult generate(Decoder decoder, int[] prompt, GenerationParams params, TokenListener listener) {
        return decoder.generate(newSession(), prompt, params, listener == null ? TokenListener.NONE : listener);
    }

    /**
     * A self-speculative (layer-skip) decoder. Its adaptive draft-exit threshold is kept per skip set and settings
     * for the life of this model, so it carries over from one request to the next.
     */
    public SpeculativeDecoder selfSpeculative(SkipSet skip, AdaptiveDraftExit.Settings settings) {
        AdaptiveDraftExit exit = draftExits.computeIfAbsent(skip + " " + settings, k -> new AdaptiveDraftExit(settings));
        return new SpeculativeDecoder(tokenizer, new SelfSpeculativeDrafter(skip, exit));
    }

    /**
     * A self-speculative decoder whose skip set is learned while decoding ({@link OnlineSkipDrafter}); the drafter and
     * what it learned live as long as this model, so later requests start from the set found earlier.
     */
    public SpeculativeDecoder onlineSpeculative(OnlineSkipDrafter.Settings online, AdaptiveDraftExit.Settings settings) {
        OnlineSkipDrafter d = onlineDrafters.computeIfAbsent(online + " " + settings,
                k -> new OnlineSkipDrafter(config().layers(), online, new AdaptiveDraftExit(settings)));
        return new SpeculativeDecoder(tokenizer, d);
    }

    @Override
    public void close() {
        pool.close();
        file.close();
    }
}

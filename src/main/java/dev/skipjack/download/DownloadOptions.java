package dev.skipjack.download;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings for {@link ModelResolver}. Null fields mean "not set here": the resolver then falls back to the
 * environment (HF_ENDPOINT, HF_TOKEN, SKIPJACK_CACHE, XDG_CACHE_HOME) and finally to built-in defaults.
 * The environment itself is a field so tests can run without depending on the developer's shell.
 *
 * @param endpoint       Hugging Face base URL, e.g. https://huggingface.co (null: $HF_ENDPOINT or the default)
 * @param revision       branch, tag or commit (null: "main")
 * @param cacheDir       cache root (null: $SKIPJACK_CACHE, $XDG_CACHE_HOME/skipjack, ~/.cache/skipjack)
 * @param token          access token for private or gated repos (null: $HF_TOKEN)
 * @param progress       receives progress while downloading
 * @param connectTimeout how long to wait for a TCP/TLS connection
 * @param stallTimeout   how long to wait for response headers or for the next bytes of the body
 * @param maxRetries     how many times a transfer that broke off mid-body is resumed automatically
 * @param env            the environment variables to consult
 */
public record DownloadOptions(String endpoint, String revision, Path cacheDir, String token,
                              ProgressListener progress, Duration connectTimeout, Duration stallTimeout,
                              int maxRetries, Map<String, String> env) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    public static final String DEFAULT_REVISION = "main";

    public DownloadOptions {
        progress = progress == null ? ProgressListener.NONE : progress;
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        env = env == null ? Map.of() : env;
        if (maxRetries < 0) throw new IllegalArgumentException("maxRetries < 0");
    }

    /** Everything from the environment and defaults, no progress output. */
    public static DownloadOptions defaults() {
        return new DownloadOptions(null, null, null, null, ProgressListener.NONE,
                Duration.ofSeconds(15), Duration.ofSeconds(60), 3, System.getenv());
    }

    public DownloadOptions withEndpoint(String v) { return new DownloadOptions(v, revision, cacheDir, token, progress, connectTimeout, stallTimeout, maxRetries, env); }
    public DownloadOptions withRevision(String v) { return new DownloadOptions(endpoint, v, cacheDir, token, progress, connectTimeout, stallTimeout, maxRetries, env); }
    public DownloadOptions withCacheDir(Path v) { return new DownloadOptions(endpoint, revision, v, token, progress, connectTimeout, stallTimeout, maxRetries, env); }
    public DownloadOptions withToken(String v) { return new DownloadOptions(endpoint, revision, cacheDir, v, progress, connectTimeout, stallTimeout, maxRetries, env); }
    public DownloadOptions withProgress(ProgressListener v) { return new DownloadOptions(endpoint, revision, cacheDir, token, v, connectTimeout, stallTimeout, maxRetries, env); }
    public DownloadOptions withConnectTimeout(Duration v) { return new DownloadOptions(endpoint, revision, cacheDir, token, progress, v, stallTimeout, maxRetries, env); }
    public DownloadOptions withStallTimeout(Duration v) { return new DownloadOptions(endpoint, revision, cacheDir, token, progress, connectTimeout, v, maxRetries, env); }
    public DownloadOptions withMaxRetries(int v) { return new DownloadOptions(endpoint, revision, cacheDir, token, progress, connectTimeout, stallTimeout, v, env); }
    public DownloadOptions withEnv(Map<String, String> v) { return new DownloadOptions(endpoint, revision, cacheDir, token, progress, connectTimeout, stallTimeout, maxRetries, v); }

    /** The endpoint to use: explicit option, then $HF_ENDPOINT, then huggingface.co; without trailing slash. */
    public String effectiveEndpoint() {
        String e = firstSet(endpoint, env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT);
        while (e.endsWith("/")) e = e.substring(0, e.length() - 1);
        return e;
    }

    public String effectiveRevision() { return firstSet(revision, DEFAULT_REVISION); }

    /** The token to send, or null: explicit option, then $HF_TOKEN. */
    public String effectiveToken() {
        String t = firstSet(token, env.get("HF_TOKEN"), "");
        return t.isBlank() ? null : t.strip();
    }

    /** Cache root: explicit option, then $SKIPJACK_CACHE, then $XDG_CACHE_HOME/skipjack, then ~/.cache/skipjack. */
    public Path effectiveCacheDir() {
        if (cacheDir != null) return cacheDir;
        String own = env.get("SKIPJACK_CACHE");
        if (own != null && !own.isBlank()) return Path.of(own);
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "skipjack");
        return Path.of(System.getProperty("user.home"), ".cache", "skipjack");
    }

    /** Never prints the token or the environment (which may hold HF_TOKEN): options end up in logs. */
    @Override
    public String toString() {
        return "DownloadOptions[endpoint=" + endpoint + ", revision=" + revision + ", cacheDir=" + cacheDir
                + ", token=" + (token == null ? "null" : "<redacted>") + ", connectTimeout=" + connectTimeout
                + ", stallTimeout=" + stallTimeout + ", maxRetries=" + maxRetries + "]";
    }

    private static String firstSet(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return values[values.length - 1];
    }
}

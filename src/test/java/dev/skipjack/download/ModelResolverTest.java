package dev.skipjack.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Downloads against a local HTTP server that imitates Hugging Face's resolve endpoint. */
class ModelResolverTest {
    private static final byte[] DATA = randomBytes(300_000, 42);
    private static final String SHA = sha256(DATA);
    private static final String SPEC = "hf:owner/repo/model-Q8_0.gguf";
    private static final String PATH = "/owner/repo/resolve/main/model-Q8_0.gguf";

    /** One request as the server saw it. */
    record Seen(String path, String range, String auth, String host) { }

    @FunctionalInterface
    interface Handler { void handle(HttpExchange ex) throws IOException; }

    @TempDir Path cache;
    private HttpServer server;
    private ExecutorService executor;
    private volatile Handler handler;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1); // unblocks stalling handlers at teardown
    private String base;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(0), 0); // wildcard: reachable as 127.0.0.1 and localhost
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            var h = ex.getRequestHeaders();
            seen.add(new Seen(ex.getRequestURI().getRawPath(), h.getFirst("Range"), h.getFirst("Authorization"), h.getFirst("Host")));
            try {
                handler.handle(ex);
            } finally {
                ex.close();
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        handler = ex -> serve(ex, DATA, true, Map.of("ETag", "\"" + SHA + "\""));
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
        executor.awaitTermination(2, TimeUnit.SECONDS);
    }

    private DownloadOptions opts() {
        return DownloadOptions.defaults().withEnv(Map.of()).withEndpoint(base).withCacheDir(cache)
                .withStallTimeout(Duration.ofSeconds(5));
    }

    private Path target() { return cache.resolve("hf/owner/repo/main/model-Q8_0.gguf"); }
    private Path partial() { return cache.resolve("hf/owner/repo/main/model-Q8_0.gguf.partial"); }

    // ---------------------------------------------------------------- happy paths

    @Test
    void freshDownloadIsVerifiedAndCached() throws IOException {
        AtomicLong lastDone = new AtomicLong(-1), lastTotal = new AtomicLong(-1);
        Path p = ModelResolver.resolve(SPEC, opts().withProgress((done, total) -> { lastDone.set(done); lastTotal.set(total); }));

        assertEquals(target(), p);
        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertFalse(Files.exists(partial()));
        assertEquals(DATA.length, lastDone.get());
        assertEquals(DATA.length, lastTotal.get());
        CacheMetadata meta = CacheMetadata.read(CacheMetadata.pathFor(p));
        assertEquals(SHA, meta.sha256());
        assertEquals(DATA.length, meta.size());
        assertEquals(List.of(PATH), seen.stream().map(Seen::path).toList());
        assertNull(seen.get(0).range());
    }

    @Test
    void secondResolveUsesCacheWithoutNetwork() {
        Path first = ModelResolver.resolve(SPEC, opts());
        server.stop(0); // any request now would fail
        Path second = ModelResolver.resolve(SPEC, opts());
        assertEquals(first, second);
        assertEquals(1, seen.size());
        assertEquals(first, ModelResolver.cachePath(SPEC, opts()));
    }

    @Test
    void subfoldersRevisionAndEncodingMapToUrlAndCache() throws IOException {
        Path p = ModelResolver.resolve("hf:owner/repo/sub/dir/my model.gguf", opts().withRevision("refs/pr/3"));
        assertEquals(cache.resolve("hf/owner/repo/refs/pr/3/sub/dir/my model.gguf"), p);
        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertEquals("/owner/repo/resolve/refs%2Fpr%2F3/sub/dir/my%20model.gguf", seen.get(0).path());
    }

    @Test
    void plainPathsPassThrough() {
        assertEquals(Path.of("models/x.gguf"), ModelResolver.resolve("models/x.gguf", opts()));
        assertEquals(Path.of("/abs/hf:x.gguf"), ModelResolver.resolve("/abs/hf:x.gguf", opts()));
        assertTrue(seen.isEmpty());
    }

    @Test
    void resumesFromPartialWithRange() throws IOException {
        Files.createDirectories(partial().getParent());
        Files.write(partial(), Arrays.copyOf(DATA, 100_000));
        AtomicLong bodyBytes = new AtomicLong();
        handler = ex -> bodyBytes.addAndGet(serve(ex, DATA, true, Map.of("ETag", "\"" + SHA + "\"")));

        Path p = ModelResolver.resolve(SPEC, opts());

        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertEquals("bytes=100000-", seen.get(0).range());
        assertEquals(DATA.length - 100_000, bodyBytes.get());
        assertFalse(Files.exists(partial()));
    }

    @Test
    void serverIgnoringRangeRestartsFromZero() throws IOException {
        Files.createDirectories(partial().getParent());
        Files.write(partial(), randomBytes(120_000, 7)); // garbage that must not survive
        handler = ex -> serve(ex, DATA, false, Map.of("ETag", "\"" + SHA + "\""));

        Path p = ModelResolver.resolve(SPEC, opts());

        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertEquals("bytes=120000-", seen.get(0).range());
        assertEquals(1, seen.size());
    }

    @Test
    void completePartialIsFinishedFrom416() throws IOException {
        Files.createDirectories(partial().getParent());
        Files.write(partial(), DATA); // e.g. crashed after the last byte but before the rename
        Path p = ModelResolver.resolve(SPEC, opts());
        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertEquals(1, seen.size());
    }

    @Test
    void partialOfAnOlderRemoteFileIsDiscarded() throws IOException {
        Files.createDirectories(partial().getParent());
        Files.write(partial(), randomBytes(50_000, 9));
        new CacheMetadata("old", DATA.length, "a".repeat(64)).write(CacheMetadata.pathFor(target()));

        Path p = ModelResolver.resolve(SPEC, opts());

        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertEquals(2, seen.size());
        assertEquals("bytes=50000-", seen.get(0).range());
        assertNull(seen.get(1).range());
    }

    @Test
    void redirectIsFollowedAndTokenNotLeakedToOtherHost() throws IOException {
        int port = server.getAddress().getPort();
        handler = ex -> {
            if (ex.getRequestURI().getPath().startsWith("/cdn/")) {
                serve(ex, DATA, true, Map.of("ETag", "\"0123456789abcdef0123456789abcdef\"")); // md5-style: not a sha256
            } else {
                ex.getResponseHeaders().add("Location", "http://localhost:" + port + "/cdn/blob?sig=abc");
                ex.getResponseHeaders().add("X-Linked-ETag", "\"" + SHA + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", Integer.toString(DATA.length));
                ex.sendResponseHeaders(302, -1);
            }
        };

        Path p = ModelResolver.resolve(SPEC, opts().withToken("secret"));

        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertEquals(2, seen.size());
        assertEquals("Bearer secret", seen.get(0).auth());
        assertEquals("/cdn/blob", seen.get(1).path());
        assertNull(seen.get(1).auth(), "token must not be sent to the CDN");
        assertEquals(SHA, CacheMetadata.read(CacheMetadata.pathFor(p)).sha256());
    }

    @Test
    void stalledTransferIsResumedAutomatically() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        handler = ex -> {
            if (calls.getAndIncrement() > 0) {
                serve(ex, DATA, true, Map.of("ETag", "\"" + SHA + "\""));
                return;
            }
            ex.getResponseHeaders().add("ETag", "\"" + SHA + "\"");
            ex.sendResponseHeaders(200, DATA.length);
            OutputStream out = ex.getResponseBody();
            out.write(DATA, 0, 100_000);
            out.flush();
            try {
                release.await(5, TimeUnit.SECONDS); // hang mid-body
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        };

        Path p = ModelResolver.resolve(SPEC, opts().withStallTimeout(Duration.ofMillis(300)));

        assertArrayEquals(DATA, Files.readAllBytes(p));
        assertEquals(2, seen.size());
        assertEquals("bytes=100000-", seen.get(1).range());
    }

    // ---------------------------------------------------------------- failures

    @Test
    void wrongSha256FailsAndLeavesNoFile() {
        String wrong = sha256("something else".getBytes(StandardCharsets.UTF_8));
        handler = ex -> serve(ex, DATA, true, Map.of("ETag", "\"" + wrong + "\""));

        DownloadException e = assertThrows(DownloadException.class, () -> ModelResolver.resolve(SPEC, opts()));

        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(wrong), e.getMessage());
        assertFalse(Files.exists(target()));
        assertFalse(Files.exists(partial()));
    }

    @Test
    void xSha256HeaderIsChecked() {
        handler = ex -> serve(ex, DATA, true, Map.of("x-sha256", "b".repeat(64), "ETag", "\"" + SHA + "\""));
        DownloadException e = assertThrows(DownloadException.class, () -> ModelResolver.resolve(SPEC, opts()));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertFalse(Files.exists(target()));
    }

    @Test
    void notFoundSaysWhichFileAndRevision() {
        handler = ex -> error(ex, 404, Map.of("X-Error-Code", "EntryNotFound"));
        DownloadException e = assertThrows(DownloadException.class, () -> ModelResolver.resolve(SPEC, opts()));
        assertTrue(e.getMessage().startsWith("file 'model-Q8_0.gguf' not found in owner/repo at revision 'main'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(partial()));
        assertFalse(Files.exists(target()));
    }

    @Test
    void missingRepoIsNamed() {
        handler = ex -> error(ex, 401, Map.of("X-Error-Code", "RepoNotFound"));
        DownloadException e = assertThrows(DownloadException.class, () -> ModelResolver.resolve(SPEC, opts()));
        assertTrue(e.getMessage().startsWith("repository owner/repo not found"), e.getMessage());
    }

    @Test
    void unauthorizedMentionsHfToken() {
        handler = ex -> error(ex, 401, Map.of());
        DownloadException e = assertThrows(DownloadException.class, () -> ModelResolver.resolve(SPEC, opts()));
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        assertTrue(e.getMessage().contains("gated"), e.getMessage());
        assertNull(seen.get(0).auth());
    }

    @Test
    void rejectedTokenIsReported() {
        handler = ex -> error(ex, 403, Map.of());
        DownloadException e = assertThrows(DownloadException.class,
                () -> ModelResolver.resolve(SPEC, opts().withEnv(Map.of("HF_TOKEN", "hf_abc"))));
        assertTrue(e.getMessage().contains("HF_TOKEN was rejected"), e.getMessage());
        assertEquals("Bearer hf_abc", seen.get(0).auth());
    }

    @Test
    void connectionRefusedSaysCannotReach() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        DownloadOptions o = opts().withEndpoint("http://127.0.0.1:" + closedPort);
        DownloadException e = assertThrows(DownloadException.class, () -> ModelResolver.resolve(SPEC, o));
        assertTrue(e.getMessage().startsWith("cannot reach 127.0.0.1:" + closedPort), e.getMessage());
        assertTrue(e.getMessage().contains("if offline, pass a local path"), e.getMessage());
        assertFalse(Files.exists(partial()));
    }

    @Test
    void brokenConnectionKeepsPartialForResume() throws IOException {
        handler = ex -> {
            ex.getResponseHeaders().add("ETag", "\"" + SHA + "\"");
            ex.sendResponseHeaders(200, DATA.length);
            OutputStream out = ex.getResponseBody();
            out.write(DATA, 0, 100_000);
            out.flush();
            throw new IOException("simulated connection drop");
        };
        DownloadException e = assertThrows(DownloadException.class,
                () -> ModelResolver.resolve(SPEC, opts().withMaxRetries(0)));
        assertTrue(e.getMessage().contains("run again to resume"), e.getMessage());
        assertFalse(Files.exists(target()));
        assertTrue(Files.size(partial()) > 0 && Files.size(partial()) <= 100_000);

        handler = ex -> serve(ex, DATA, true, Map.of("ETag", "\"" + SHA + "\""));
        assertArrayEquals(DATA, Files.readAllBytes(ModelResolver.resolve(SPEC, opts())));
        assertTrue(seen.get(seen.size() - 1).range().startsWith("bytes="), "second run resumes");
    }

    @Test
    void unwritableCacheIsADiskError() throws IOException {
        Path notADir = cache.resolve("file");
        Files.writeString(notADir, "x");
        DownloadException e = assertThrows(DownloadException.class,
                () -> ModelResolver.resolve(SPEC, opts().withCacheDir(notADir)));
        assertTrue(e.getMessage().startsWith("cannot create cache directory"), e.getMessage());
    }

    @Test
    void timeoutsAreExplained() {
        URI u = URI.create("https://huggingface.co/a/b/resolve/main/c.gguf");
        assertTrue(Failures.network(u, new HttpConnectTimeoutException("x")).getMessage()
                .startsWith("cannot reach huggingface.co: connection timed out; if offline"));
        assertTrue(Failures.network(u, new HttpTimeoutException("x")).getMessage().startsWith("no response from huggingface.co"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf:", "hf:owner", "hf:owner/repo", "hf:owner/repo/", "hf:owner//model.gguf",
            "hf:owner/repo/../model.gguf", "hf:owner/repo/a//model.gguf", "hf:../repo/model.gguf",
            "hf:owner/repo/model.bin", "hf:own er/repo/model.gguf", "hf:owner/repo/a\\b.gguf"})
    void malformedSpecsAreRejected(String spec) {
        DownloadException e = assertThrows(DownloadException.class, () -> ModelResolver.resolve(spec, opts()));
        assertTrue(e.getMessage().contains("expected hf:OWNER/REPO/FILE.gguf"), e.getMessage());
        assertTrue(seen.isEmpty());
    }

    @Test
    void badRevisionIsRejected() {
        DownloadException e = assertThrows(DownloadException.class,
                () -> ModelResolver.resolve(SPEC, opts().withRevision("../../etc")));
        assertTrue(e.getMessage().startsWith("invalid revision"), e.getMessage());
    }

    // ---------------------------------------------------------------- settings and rendering

    @Test
    void cacheDirAndEndpointPrecedence() {
        DownloadOptions d = DownloadOptions.defaults();
        assertEquals(Path.of("/a"), d.withEnv(Map.of("SKIPJACK_CACHE", "/a", "XDG_CACHE_HOME", "/x")).effectiveCacheDir());
        assertEquals(Path.of("/x/skipjack"), d.withEnv(Map.of("XDG_CACHE_HOME", "/x")).effectiveCacheDir());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "skipjack"), d.withEnv(Map.of()).effectiveCacheDir());
        assertEquals(Path.of("/o"), d.withEnv(Map.of("SKIPJACK_CACHE", "/a")).withCacheDir(Path.of("/o")).effectiveCacheDir());
        assertEquals("https://huggingface.co", d.withEnv(Map.of()).effectiveEndpoint());
        assertEquals("https://mirror.example", d.withEnv(Map.of("HF_ENDPOINT", "https://mirror.example/")).effectiveEndpoint());
        assertEquals("http://x", d.withEnv(Map.of("HF_ENDPOINT", "https://m")).withEndpoint("http://x").effectiveEndpoint());
        assertNull(d.withEnv(Map.of()).effectiveToken());
        assertEquals("main", d.effectiveRevision());
        String shown = d.withToken("hf_secret").withEnv(Map.of("HF_TOKEN", "hf_env")).toString();
        assertFalse(shown.contains("hf_secret") || shown.contains("hf_env"), shown);
    }

    @Test
    void progressBarRendersAndThrottles() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        ConsoleProgressBar bar = new ConsoleProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), now::get);
        bar.onStart("model.gguf", 0, 10_000_000);
        for (int i = 1; i <= 100; i++) {                 // 100 updates within 50 ms: throttled away
            now.addAndGet(500_000);
            bar.onProgress(i * 10_000L, 10_000_000);
        }
        now.set(2_000_000_000L);                         // 2 s in: 5 MB done at 2.5 MB/s, 2 s left
        bar.onProgress(5_000_000, 10_000_000);
        now.set(4_000_000_000L);
        bar.onProgress(10_000_000, 10_000_000);
        bar.onFinish(true);
        String out = bytes.toString(StandardCharsets.UTF_8);

        String[] frames = out.split("\r", -1);
        assertTrue(frames.length <= 6, "too many redraws: " + frames.length);
        assertTrue(out.contains(" 50.0% [############............] 5.0/10.0 MB  2.5 MB/s  ETA 0:02"), out);
        assertTrue(out.contains("100.0%"), out);
        assertTrue(out.endsWith("\n"), out);
        assertEquals("1:01:01", ConsoleProgressBar.formatDuration(3661));
        assertTrue(ConsoleProgressBar.render("f", 3_000_000, -1, 3_000_000, 1_000_000_000L).contains("3.0 MB  3.0 MB/s"));
    }

    // ---------------------------------------------------------------- test server helpers

    /** Serves {@code data}, honouring "Range: bytes=N-" if asked; returns the number of body bytes sent. */
    private static long serve(HttpExchange ex, byte[] data, boolean honorRange, Map<String, String> headers) throws IOException {
        headers.forEach(ex.getResponseHeaders()::add);
        String range = ex.getRequestHeaders().getFirst("Range");
        int start = 0;
        if (honorRange && range != null) {
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (!m.matches()) throw new IOException("unexpected range " + range);
            start = Integer.parseInt(m.group(1));
            if (start >= data.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                ex.sendResponseHeaders(416, -1);
                return 0;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (data.length - 1) + "/" + data.length);
            ex.sendResponseHeaders(206, data.length - start);
        } else {
            ex.sendResponseHeaders(200, data.length);
        }
        try (OutputStream out = ex.getResponseBody()) {
            out.write(data, start, data.length - start);
        }
        return data.length - start;
    }

    private static void error(HttpExchange ex, int status, Map<String, String> headers) throws IOException {
        headers.forEach(ex.getResponseHeaders()::add);
        byte[] body = "error".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

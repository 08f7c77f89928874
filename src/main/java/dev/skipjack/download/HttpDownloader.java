package dev.skipjack.download;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one URL into a file, safely: bytes go to {@code FILE.partial}, an interrupted transfer is resumed
 * with an HTTP Range request, size and sha256 are verified, and only a verified file is renamed into place.
 * Redirects are followed by hand so the access token is sent only to the original host (Hugging Face
 * redirects to a CDN with pre-signed URLs, which reject extra credentials) and so the headers of every hop
 * can be inspected: Hugging Face puts the sha256 on the first response, not on the CDN's.
 */
final class HttpDownloader {
    /** Maps an HTTP error status to a message that knows what was being downloaded. */
    @FunctionalInterface
    interface StatusErrors {
        DownloadException forStatus(int status, HttpResponse<?> response, boolean tokenSent);
    }

    private static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "skipjack/0.1 (Java " + Runtime.version().feature() + ")";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes\\s+\\*/(\\d+)");

    private final HttpClient client;
    private final String token;
    private final Duration stallTimeout;
    private final int maxRetries;
    private final ProgressListener progress;
    private final StatusErrors errors;

    HttpDownloader(HttpClient client, String token, Duration stallTimeout, int maxRetries,
                   ProgressListener progress, StatusErrors errors) {
        this.client = client;
        this.token = token;
        this.stallTimeout = stallTimeout;
        this.maxRetries = maxRetries;
        this.progress = progress;
        this.errors = errors;
    }

    /** A response that carries (or will carry) the file, plus what the redirect chain said about it. */
    private record Reply(HttpResponse<InputStream> response, String sha256, long linkedSize) {
        int status() { return response.statusCode(); }
        HttpHeaders headers() { return response.headers(); }
        void discard() {
            try (InputStream in = response.body()) { /* close without reading: we do not want the rest */ }
            catch (IOException ignored) { }
        }
    }

    /** Where the body starts in the file, how big the file is (-1 unknown), and whether a body must be read. */
    private record Plan(long start, long total, boolean hasBody) { }

    /** What arrived: final size, what the server promised, and what we computed. */
    private record Result(long size, long expectedSize, String expectedSha, String actualSha) { }

    /** The body broke off (connection lost or stalled); the partial file is intact and can be resumed. */
    private static final class BrokenTransfer extends Exception {
        final long bytesThisAttempt;
        BrokenTransfer(String message, long bytesThisAttempt, Throwable cause) {
            super(message, cause);
            this.bytesThisAttempt = bytesThisAttempt;
        }
    }

    /** Downloads {@code url} to {@code target}; {@code name} labels progress and messages. */
    void download(URI url, Path target, String name) {
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Path metaFile = CacheMetadata.pathFor(target);
        boolean ok = false;
        try {
            Result result;
            try (FileChannel ch = openPartial(partial); FileLock lock = lock(ch, target)) {
                result = transferWithRetries(url, ch, metaFile, name, partial);
            } catch (IOException e) {
                throw Failures.disk("write", partial, e);
            }
            verify(result, name, partial, metaFile);
            try {
                new CacheMetadata(url.toString(), result.size(), result.actualSha()).write(metaFile);
                moveIntoPlace(partial, target);
            } catch (IOException e) {
                throw Failures.disk("write", target, e);
            }
            ok = true;
        } finally {
            progress.onFinish(ok);
            if (!ok) deleteIfEmpty(partial);
        }
    }

    private Result transferWithRetries(URI url, FileChannel ch, Path metaFile, String name, Path partial) {
        int retriesLeft = maxRetries;
        while (true) {
            try {
                return transferOnce(url, ch, metaFile, name, partial);
            } catch (BrokenTransfer e) {
                // Retry only while attempts make progress, so a dead server fails fast instead of looping.
                if (retriesLeft-- > 0 && e.bytesThisAttempt > 0) continue;
                throw new DownloadException(e.getMessage() + " while downloading " + name
                        + "; run again to resume from the partial download", e.getCause());
            }
        }
    }

    private Result transferOnce(URI url, FileChannel ch, Path metaFile, String name, Path partial) throws BrokenTransfer {
        long from = size(ch, partial);
        CacheMetadata previous = CacheMetadata.read(metaFile);
        Reply reply = request(url, from);
        Plan plan = plan(reply, from, previous);
        if (plan == null) {
            // The partial cannot be continued (server ignored the offset, file changed, partial too long): start over.
            reply.discard();
            if (from == 0) throw new DownloadException("unexpected HTTP " + reply.status() + " from "
                    + Failures.hostOf(reply.response().uri()) + " while downloading " + name);
            from = 0;
            reply = request(url, 0);
            plan = plan(reply, 0, null);
            if (plan == null) {
                reply.discard();
                throw new DownloadException("unexpected HTTP " + reply.status() + " from "
                        + Failures.hostOf(reply.response().uri()) + " while downloading " + name);
            }
        }
        MessageDigest digest = sha256();
        try {
            if (size(ch, partial) > plan.start()) ch.truncate(plan.start()); // a 200 answer restarts from 0
            hashPrefix(ch, plan.start(), digest);
            checkFreeSpace(partial, plan.total() - plan.start(), name);
            new CacheMetadata(url.toString(), plan.total(), reply.sha256()).write(metaFile);
        } catch (IOException e) {
            reply.discard();
            throw Failures.disk("write", partial, e);
        }
        progress.onStart(name, plan.start(), plan.total());
        long size = plan.start();
        if (plan.hasBody()) size = copyBody(reply, ch, partial, digest, plan);
        else reply.discard();
        if (plan.total() >= 0 && size < plan.total())
            throw new BrokenTransfer("connection closed early (" + size + " of " + plan.total() + " bytes)",
                    size - plan.start(), null);
        return new Result(size, plan.total(), reply.sha256(), HexFormat.of().formatHex(digest.digest()));
    }

    /** Decides how to use a reply given the partial's length; null means "restart from byte 0". */
    private static Plan plan(Reply reply, long from, CacheMetadata previous) {
        HttpHeaders h = reply.headers();
        Plan plan;
        switch (reply.status()) {
            case 200 -> plan = new Plan(0, contentLength(h, reply.linkedSize()), true);
            case 206 -> {
                Matcher m = CONTENT_RANGE.matcher(h.firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != from) return null;
                long total = m.group(3).equals("*") ? reply.linkedSize() : Long.parseLong(m.group(3));
                plan = new Plan(from, total, true);
            }
            case 416 -> {
                // Range starts at/after the end: fine only if the partial is exactly the whole file.
                Matcher m = UNSATISFIED_RANGE.matcher(h.firstValue("Content-Range").orElse(""));
                long total = m.matches() ? Long.parseLong(m.group(1)) : reply.linkedSize();
                if (from == 0 || total != from) return null;
                plan = new Plan(from, total, false);
            }
            default -> { return null; }
        }
        if (plan.start() > 0 && previous != null) {
            // Resuming: the remote file must be the one the partial was started from.
            boolean shaChanged = previous.sha256() != null && reply.sha256() != null && !previous.sha256().equals(reply.sha256());
            boolean sizeChanged = previous.size() >= 0 && plan.total() >= 0 && previous.size() != plan.total();
            if (shaChanged || sizeChanged) return null;
        }
        return plan;
    }

    private long copyBody(Reply reply, FileChannel ch, Path partial, MessageDigest digest, Plan plan) throws BrokenTransfer {
        long done = plan.start();
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = reply.response().body(); StallWatchdog dog = new StallWatchdog(in, stallTimeout)) {
            ch.position(done);
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    String why = dog.fired() ? "no data received for " + stallTimeout.toSeconds() + " s"
                                             : "connection lost (" + Failures.reason(e) + ")";
                    throw new BrokenTransfer(why, done - plan.start(), e);
                }
                if (n < 0) break;
                dog.touch();
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) ch.write(bb);
                dog.touch();
                digest.update(buf, 0, n);
                done += n;
                progress.onProgress(done, plan.total());
            }
        } catch (IOException e) { // reading is handled above, so this is the disk
            throw Failures.disk("write", partial, e);
        }
        return done;
    }

    /** Sends GET (with Range when resuming), following redirects; returns a 200, 206 or 416 reply. */
    private Reply request(URI url, long from) {
        URI uri = url;
        List<HttpHeaders> hops = new ArrayList<>();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            boolean sendToken = token != null && sameOrigin(uri, url);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(stallTimeout).GET()
                    .header("User-Agent", USER_AGENT);
            if (from > 0) b.header("Range", "bytes=" + from + "-");
            if (sendToken) b.header("Authorization", "Bearer " + token);
            HttpResponse<InputStream> resp = send(b.build());
            hops.add(resp.headers());
            Reply reply = new Reply(resp, expectedSha(hops), linkedSize(hops));
            int s = resp.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                reply.discard();
                uri = redirectTarget(uri, s, resp.headers());
                continue;
            }
            if (s == 200 || s == 206 || s == 416) return reply;
            reply.discard();
            throw errors.forStatus(s, resp, sendToken);
        }
        throw new DownloadException("too many redirects (more than " + MAX_REDIRECTS + ") starting at " + url);
    }

    private HttpResponse<InputStream> send(HttpRequest req) {
        try {
            return client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("download interrupted", e);
        } catch (IOException e) {
            throw Failures.network(req.uri(), e);
        }
    }

    private static URI redirectTarget(URI from, int status, HttpHeaders h) {
        String loc = h.firstValue("Location").orElse(null);
        if (loc == null)
            throw new DownloadException("HTTP " + status + " redirect from " + Failures.hostOf(from) + " without a Location");
        try {
            URI to = from.resolve(loc.strip());
            String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) throw new IllegalArgumentException("not http(s)");
            return to;
        } catch (IllegalArgumentException e) {
            throw new DownloadException("bad redirect from " + Failures.hostOf(from) + " to '" + loc + "'", e);
        }
    }

    /**
     * The sha256 the server vouches for: the first hop that has one wins, checking x-sha256, then
     * X-Linked-ETag (Hugging Face LFS), then ETag. Only 64-hex values count; other ETags (md5, git sha1)
     * are not content hashes we can check.
     */
    static String expectedSha(List<HttpHeaders> hops) {
        for (HttpHeaders h : hops) {
            for (String name : new String[] {"x-sha256", "X-Linked-ETag", "ETag"}) {
                String v = h.firstValue(name).orElse(null);
                if (v == null) continue;
                v = v.strip();
                if (v.startsWith("W/")) v = v.substring(2);
                v = v.replace("\"", "").toLowerCase(Locale.ROOT);
                if (SHA256_HEX.matcher(v).matches()) return v;
            }
        }
        return null;
    }

    private static long contentLength(HttpHeaders h, long fallback) {
        long v = headerLong(h, "Content-Length");
        return v >= 0 ? v : fallback;
    }

    /** Hugging Face's X-Linked-Size on the first hop: the LFS file size, known before the CDN answers. */
    private static long linkedSize(List<HttpHeaders> hops) {
        for (HttpHeaders h : hops) {
            long v = headerLong(h, "X-Linked-Size");
            if (v >= 0) return v;
        }
        return -1;
    }

    /** A numeric header, or -1 when absent or malformed (a bad header must not crash the download). */
    private static long headerLong(HttpHeaders h, String name) {
        try {
            return h.firstValue(name).map(v -> Long.parseLong(v.strip())).orElse(-1L);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort() && String.valueOf(a.getScheme()).equalsIgnoreCase(b.getScheme());
    }

    private static void verify(Result r, String name, Path partial, Path metaFile) {
        String problem = null;
        if (r.expectedSize() >= 0 && r.size() != r.expectedSize())
            problem = "size mismatch for " + name + ": expected " + r.expectedSize() + " bytes but got " + r.size();
        else if (r.expectedSha() != null && !r.expectedSha().equals(r.actualSha()))
            problem = "checksum mismatch for " + name + ": expected sha256 " + r.expectedSha() + " but got " + r.actualSha();
        if (problem == null) return;
        try {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(metaFile);
        } catch (IOException ignored) {
            // the message below still says the download is bad; the next run overwrites the partial
        }
        throw new DownloadException(problem + "; the corrupt download was deleted, run again to retry");
    }

    private static FileChannel openPartial(Path partial) throws IOException {
        return FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Two processes appending to one partial would corrupt it; the second one stops instead. */
    private static FileLock lock(FileChannel ch, Path target) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) throw new DownloadException("another download of " + target + " is in progress; wait for it to finish");
        return lock;
    }

    private static long size(FileChannel ch, Path partial) {
        try {
            return ch.size();
        } catch (IOException e) {
            throw Failures.disk("read", partial, e);
        }
    }

    /** Resuming needs the digest of the bytes already on disk before appending more. */
    private static void hashPrefix(FileChannel ch, long length, MessageDigest digest) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long pos = 0;
        while (pos < length) {
            buf.clear().limit((int) Math.min(buf.capacity(), length - pos));
            int n = ch.read(buf, pos);
            if (n < 0) throw new IOException("partial file shrank while reading it");
            buf.flip();
            digest.update(buf);
            pos += n;
        }
    }

    private static void checkFreeSpace(Path partial, long needed, String name) {
        if (needed <= 0) return;
        long free;
        try {
            free = Files.getFileStore(partial).getUsableSpace();
        } catch (IOException e) {
            return; // cannot tell; the write itself will report a full disk
        }
        if (free < needed)
            throw new DownloadException(String.format(Locale.ROOT,
                    "not enough disk space for %s: need %.1f MB, only %.1f MB free in %s",
                    name, needed / 1e6, free / 1e6, partial.getParent()));
    }

    private static void moveIntoPlace(Path partial, Path target) throws IOException {
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteIfEmpty(Path partial) {
        try {
            if (Files.isRegularFile(partial) && Files.size(partial) == 0) Files.delete(partial);
        } catch (IOException ignored) {
            // an empty leftover is harmless
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

package dev.skipjack.download;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns a {@code --model} argument into a local file. Plain paths pass through untouched;
 * {@code hf:OWNER/REPO/FILE.gguf} is fetched from Hugging Face ({@code {endpoint}/OWNER/REPO/resolve/REVISION/FILE})
 * into {@code {cache}/hf/OWNER/REPO/REVISION/FILE} once, and served from there afterwards without any network access.
 */
public final class ModelResolver {
    private ModelResolver() { }

    /** {@link #resolve(String, DownloadOptions)} with environment and default settings, silently. */
    public static Path resolve(String spec) {
        return resolve(spec, DownloadOptions.defaults());
    }

    /**
     * Returns the local file for {@code spec}, downloading it first if needed.
     * A spec without the {@code hf:} prefix is returned as {@code Path.of(spec)}; the caller checks that it exists.
     *
     * @throws DownloadException with a one-line, user-facing message when the spec is malformed or the
     *                           download fails; no partial or unverified file is ever returned
     */
    public static Path resolve(String spec, DownloadOptions opts) {
        if (!HfSpec.isHf(spec)) return Path.of(spec);
        HfSpec hf = HfSpec.parse(spec);
        String revision = checkedRevision(opts.effectiveRevision());
        Path target = cachePath(hf, revision, opts.effectiveCacheDir());
        if (isCached(target)) return target;

        URI url = url(hf, revision, opts.effectiveEndpoint());
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw Failures.disk("create cache directory", target.getParent(), e);
        }
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(opts.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER) // followed by hand, see HttpDownloader
                .build();
        try {
            HttpDownloader.StatusErrors errors = (status, resp, tokenSent) -> statusError(hf, revision, status, resp, tokenSent);
            new HttpDownloader(client, opts.effectiveToken(), opts.stallTimeout(), opts.maxRetries(), opts.progress(), errors)
                    .download(url, target, target.getFileName().toString());
        } finally {
            client.shutdownNow();
        }
        return target;
    }

    /** Where {@code spec} is (or would be) cached under these options; for plain paths, the path itself. */
    public static Path cachePath(String spec, DownloadOptions opts) {
        if (!HfSpec.isHf(spec)) return Path.of(spec);
        return cachePath(HfSpec.parse(spec), checkedRevision(opts.effectiveRevision()), opts.effectiveCacheDir());
    }

    static Path cachePath(HfSpec hf, String revision, Path cacheDir) {
        return cacheDir.resolve("hf").resolve(hf.owner()).resolve(hf.repo()).resolve(revision).resolve(hf.file());
    }

    /**
     * A final file is only ever created by renaming a verified download, so existing means complete,
     * unless its size disagrees with the sidecar (e.g. edited or truncated by hand): then it is removed and fetched again.
     */
    static boolean isCached(Path target) {
        if (!Files.isRegularFile(target)) return false;
        CacheMetadata meta = CacheMetadata.read(CacheMetadata.pathFor(target));
        try {
            if (meta == null || meta.size() < 0 || meta.size() == Files.size(target)) return true;
            Files.delete(target);
            return false;
        } catch (IOException e) {
            throw Failures.disk("read", target, e);
        }
    }

    /** {endpoint}/OWNER/REPO/resolve/REVISION/FILE, each part percent-encoded; '/' inside the revision too (as HF does). */
    static URI url(HfSpec hf, String revision, String endpoint) {
        URI base;
        try {
            base = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new DownloadException("invalid Hugging Face endpoint '" + endpoint + "' (HF_ENDPOINT): " + e.getMessage());
        }
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || base.getHost() == null)
            throw new DownloadException("invalid Hugging Face endpoint '" + endpoint + "' (HF_ENDPOINT): expected an http(s) URL");
        StringBuilder sb = new StringBuilder(endpoint).append('/').append(encode(hf.owner())).append('/')
                .append(encode(hf.repo())).append("/resolve/").append(encode(revision));
        for (String seg : hf.file().split("/")) sb.append('/').append(encode(seg));
        return URI.create(sb.toString());
    }

    /** Revisions like "main", "v1.0", "refs/pr/3" or a commit hash; nothing that could escape the cache directory. */
    static String checkedRevision(String revision) {
        for (String seg : revision.split("/", -1)) {
            String bad = HfSpec.badSegment(seg);
            if (bad != null) throw new DownloadException("invalid revision '" + revision + "': " + bad);
        }
        return revision;
    }

    /** RFC 3986 percent-encoding of one path segment (everything but unreserved characters). */
    static String encode(String segment) {
        StringBuilder sb = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) sb.append(c);
            else sb.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
        }
        return sb.toString();
    }

    /** One-line explanations for HTTP errors, using Hugging Face's X-Error-Code where it sends one. */
    static DownloadException statusError(HfSpec hf, String revision, int status, HttpResponse<?> resp, boolean tokenSent) {
        HttpHeaders h = resp.headers();
        String code = h.firstValue("X-Error-Code").orElse("");
        String host = Failures.hostOf(resp.uri());
        String serverSays = h.firstValue("X-Error-Message")
                .map(m -> " (server: " + shorten(m) + ")").orElse("");
        String what = hf.toString();
        String msg;
        if (status == 401 || status == 403) {
            if (code.equals("RepoNotFound") && !tokenSent)
                msg = "repository " + hf.repoId() + " not found on " + host + ", or it is private/gated: check the name, or set HF_TOKEN";
            else if (tokenSent)
                msg = "access denied (HTTP " + status + ") to " + what + ": HF_TOKEN was rejected or has no access to this repository"
                        + "; for gated models accept the license on the model page first";
            else
                msg = "access denied (HTTP " + status + ") to " + what + ": the repository is gated or private"
                        + "; accept its license on the model page and set HF_TOKEN to an access token";
        } else if (status == 404) {
            msg = switch (code) {
                case "RepoNotFound" -> "repository " + hf.repoId() + " not found on " + host + " (HTTP 404)";
                case "RevisionNotFound" -> "revision '" + revision + "' not found in " + hf.repoId() + " (HTTP 404)";
                default -> "file '" + hf.file() + "' not found in " + hf.repoId() + " at revision '" + revision
                        + "' (HTTP 404); check the file name in the repository's file list";
            };
        } else if (status == 429) {
            msg = "rate limited by " + host + " (HTTP 429) while downloading " + what + "; wait a while and retry"
                    + (tokenSent ? "" : ", or set HF_TOKEN for higher limits");
        } else if (status >= 500) {
            msg = "server error (HTTP " + status + ") from " + host + " while downloading " + what + "; try again later";
        } else {
            msg = "unexpected HTTP " + status + " from " + host + " while downloading " + what;
        }
        return new DownloadException(msg + serverSays);
    }

    private static String shorten(String s) {
        s = s.replaceAll("\\s+", " ").strip();
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }
}

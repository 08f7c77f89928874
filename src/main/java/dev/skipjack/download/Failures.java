package dev.skipjack.download;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/** Turns low-level exceptions into one-line {@link DownloadException}s a user can act on. */
final class Failures {
    static final String OFFLINE_HINT = "if offline, pass a local path to the .gguf file instead of hf:...";

    private Failures() { }

    /** A request could not be sent or answered. */
    static DownloadException network(URI uri, Throwable e) {
        String host = hostOf(uri);
        if (e instanceof HttpConnectTimeoutException)
            return new DownloadException("cannot reach " + host + ": connection timed out; " + OFFLINE_HINT, e);
        if (e instanceof HttpTimeoutException)
            return new DownloadException("no response from " + host + " (timed out waiting for the server); try again later", e);
        // Unknown host first: HttpClient wraps it in a message-less ConnectException.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException)
                return new DownloadException("cannot reach " + host + ": unknown host; " + OFFLINE_HINT, e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                // HttpClient's ConnectException usually has no message; refusal is by far the common cause.
                String why = hasMessage(t) ? reason(t) : t instanceof NoRouteToHostException ? "no route to host" : "connection refused";
                return new DownloadException("cannot reach " + host + ": " + why + "; " + OFFLINE_HINT, e);
            }
            if (t instanceof SSLException)
                return new DownloadException("secure connection to " + host + " failed: " + reason(t), e);
        }
        return new DownloadException("network error talking to " + host + ": " + reason(e), e);
    }

    /** A local file operation failed (disk full, permissions, ...). */
    static DownloadException disk(String action, Path path, IOException e) {
        return new DownloadException("cannot " + action + " " + path + ": " + reason(e), e);
    }

    /** The most useful short description in an exception chain. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AccessDeniedException) return "permission denied";
            if (t instanceof FileSystemException fse && fse.getReason() != null) return fse.getReason();
            if (t instanceof UnresolvedAddressException) return "unknown host";
            String m = t.getMessage();
            if (m != null && !m.isBlank()) return m.replaceAll("\\s+", " ").strip();
        }
        return e.getClass().getSimpleName();
    }

    private static boolean hasMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t.getMessage() != null && !t.getMessage().isBlank()) return true;
        return false;
    }

    static String hostOf(URI uri) {
        String host = uri.getHost() == null ? String.valueOf(uri) : uri.getHost();
        return uri.getPort() >= 0 ? host + ":" + uri.getPort() : host;
    }
}

package dev.skipjack.download;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The small sidecar file ({@code FILE.meta}) kept next to a cached download. It records what the server
 * promised (size, sha256) so that (a) a cache hit can be confirmed cheaply without re-hashing gigabytes and
 * (b) a resumed download can tell whether the remote file changed since the partial was started.
 *
 * @param size   expected size in bytes, or -1 if unknown
 * @param sha256 expected lowercase hex sha256, or null if unknown
 */
record CacheMetadata(String url, long size, String sha256) {

    static Path pathFor(Path target) {
        return target.resolveSibling(target.getFileName() + ".meta");
    }

    /** Reads the sidecar, or returns null when it is missing or unreadable (treated as "nothing known"). */
    static CacheMetadata read(Path metaFile) {
        if (!Files.isRegularFile(metaFile)) return null;
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(metaFile)) {
            p.load(in);
            long size = Long.parseLong(p.getProperty("size", "-1"));
            String sha = p.getProperty("sha256");
            return new CacheMetadata(p.getProperty("url"), size, sha == null || sha.isBlank() ? null : sha);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Writes via a temp file and a rename so a crash never leaves a half-written sidecar. */
    void write(Path metaFile) throws IOException {
        Properties p = new Properties();
        if (url != null) p.setProperty("url", url);
        p.setProperty("size", Long.toString(size));
        if (sha256 != null) p.setProperty("sha256", sha256);
        Path tmp = metaFile.resolveSibling(metaFile.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "skipjack download metadata");
        }
        try {
            Files.move(tmp, metaFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, metaFile, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

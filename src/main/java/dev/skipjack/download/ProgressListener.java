package dev.skipjack.download;

/**
 * Receives download progress. Only {@link #onProgress} is required, so a lambda works.
 * Calls come from the downloading thread.
 */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = (done, total) -> { };

    /**
     * Called as bytes arrive. {@code bytesDone} includes bytes resumed from an earlier partial download;
     * {@code bytesTotal} is -1 when the server did not say how big the file is.
     */
    void onProgress(long bytesDone, long bytesTotal);

    /** Called once per transfer attempt before the first byte, with the resume offset as {@code bytesDone}. */
    default void onStart(String name, long bytesDone, long bytesTotal) { }

    /** Called once when the download ends, successfully or not, so a renderer can finish its line. */
    default void onFinish(boolean success) { }
}

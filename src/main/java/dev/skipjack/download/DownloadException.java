package dev.skipjack.download;

/**
 * A model could not be resolved or downloaded. The message is a single line meant to be shown to the
 * user as-is (it says what went wrong and, where possible, what to do about it).
 */
public class DownloadException extends RuntimeException {
    public DownloadException(String message) { super(message); }
    public DownloadException(String message, Throwable cause) { super(message, cause); }
}

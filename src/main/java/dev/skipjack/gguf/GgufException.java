package dev.skipjack.gguf;

/** A GGUF file that cannot be read: truncated, corrupt, or using something this engine does not support. */
public class GgufException extends RuntimeException {
    public GgufException(String message) { super(message); }
    public GgufException(String message, Throwable cause) { super(message, cause); }
}

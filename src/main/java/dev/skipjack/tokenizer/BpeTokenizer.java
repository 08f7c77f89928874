package dev.skipjack.tokenizer;

import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.GgufFile;

/** Byte-level BPE (GPT-2 style). Being written: see the engine issue. */
public final class BpeTokenizer implements Tokenizer {
    private final Vocabulary vocab;

    public BpeTokenizer(Vocabulary vocab, GgufFile file) {
        this.vocab = vocab;
        throw new GgufException("byte-level BPE tokenizer not implemented yet");
    }

    @Override public int[] encode(String text, boolean addSpecial, boolean parseSpecial) { throw new UnsupportedOperationException(); }
    @Override public byte[] tokenBytes(int token) { throw new UnsupportedOperationException(); }
    @Override public Vocabulary vocabulary() { return vocab; }
}

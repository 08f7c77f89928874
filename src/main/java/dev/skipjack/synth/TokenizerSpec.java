package dev.skipjack.synth;

import dev.skipjack.gguf.GgufWriter;

import java.util.List;

/**
 * The tokenizer section of a GGUF file (llama.cpp's {@code tokenizer.ggml.*} keys) for a byte-level BPE vocabulary.
 *
 * @param model   tokenizer.ggml.model ("gpt2" for byte-level BPE)
 * @param pre     tokenizer.ggml.pre, the pre-tokenizer name (e.g. "llama-bpe", "qwen2", "smollm")
 * @param tokens  token texts by id
 * @param types   llama.cpp token types by id (1 normal, 3 control, 4 user-defined, 5 unused ...)
 * @param merges  BPE merges "left right", best first
 * @param bos     BOS token id, or -1 for none
 * @param eos     EOS token id, or -1 for none
 * @param pad     padding token id, or -1 for none
 * @param addBos  tokenizer.ggml.add_bos_token
 */
public record TokenizerSpec(String model, String pre, List<String> tokens, int[] types, List<String> merges,
                            int bos, int eos, int pad, boolean addBos) {

    public TokenizerSpec {
        if (types.length != tokens.size()) throw new IllegalArgumentException("types and tokens differ in length");
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        types = types.clone();
    }

    public int size() { return tokens.size(); }

    /** A copy of the token types. */
    @Override
    public int[] types() { return types.clone(); }

    /** The same vocabulary with another pre-tokenizer name. */
    public TokenizerSpec withPre(String newPre) {
        return new TokenizerSpec(model, newPre, tokens, types, merges, bos, eos, pad, addBos);
    }

    /** The same vocabulary with another BOS rule. */
    public TokenizerSpec withAddBos(boolean add) {
        return new TokenizerSpec(model, pre, tokens, types, merges, bos, eos, pad, add);
    }

    /** Writes the tokenizer.ggml.* metadata with the value types llama.cpp expects. */
    public void writeTo(GgufWriter w) {
        w.putString("tokenizer.ggml.model", model);
        w.putString("tokenizer.ggml.pre", pre);
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putInts("tokenizer.ggml.token_type", types);
        w.putStrings("tokenizer.ggml.merges", merges);
        if (bos >= 0) w.putUInt32("tokenizer.ggml.bos_token_id", bos);
        if (eos >= 0) w.putUInt32("tokenizer.ggml.eos_token_id", eos);
        if (pad >= 0) w.putUInt32("tokenizer.ggml.padding_token_id", pad);
        w.putBool("tokenizer.ggml.add_bos_token", addBos);
    }
}

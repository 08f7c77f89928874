package dev.skipjack.tokenizer;

import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.GgufFile;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The token table of a GGUF file (tokenizer.ggml.*) and its special-token rules. */
public final class Vocabulary {
    /** llama.cpp token types. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final String model;
    private final String pre;
    private final String[] tokens;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> ids = new HashMap<>();
    private final int bos, eos, eot, unk;
    private final boolean addBos, addEos, addSpacePrefix;
    private final java.util.BitSet endOfGeneration;

    public Vocabulary(String model, String pre, String[] tokens, float[] scores, int[] types, int bos, int eos, int eot,
                      int unk, boolean addBos, boolean addEos, boolean addSpacePrefix) {
        this.model = model;
        this.pre = pre;
        this.tokens = tokens;
        this.scores = scores;
        this.types = types.clone(); // llama.cpp's corrections below change some types
        this.bos = bos;
        this.eos = eos;
        this.eot = eot;
        this.unk = unk;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        // as llama.cpp's token_to_id: a text that occurs twice maps to its last id
        for (int i = 0; i < tokens.length; i++) ids.put(tokens[i], i);
        // llama.cpp's corrections by token text (e.g. "</s>" is a control token) and its end-of-generation set
        this.endOfGeneration = LlamaCppTokenRules.apply(tokens, this.types, ids, eos, eot);
    }

    public static Vocabulary from(GgufFile f) {
        String model = f.getString("tokenizer.ggml.model", null);
        if (model == null) throw new GgufException(f.path().getFileName() + ": no tokenizer in the file (tokenizer.ggml.model missing)");
        List<String> toks = f.getList("tokenizer.ggml.tokens");
        if (toks == null || toks.isEmpty()) throw new GgufException(f.path().getFileName() + ": tokenizer.ggml.tokens missing");
        int n = toks.size();
        List<Object> sc = f.getList("tokenizer.ggml.scores");
        List<Object> ty = f.getList("tokenizer.ggml.token_type");
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            scores[i] = sc != null && i < sc.size() ? ((Number) sc.get(i)).floatValue() : 0f;
            types[i] = ty != null && i < ty.size() ? ((Number) ty.get(i)).intValue() : NORMAL;
        }
        boolean spm = model.equals("llama");
        int bos = (int) f.getLong("tokenizer.ggml.bos_token_id", spm ? 1 : -1);
        int eos = (int) f.getLong("tokenizer.ggml.eos_token_id", spm ? 2 : -1);
        int eot = (int) f.getLong("tokenizer.ggml.eot_token_id", -1);
        int unk = (int) f.getLong("tokenizer.ggml.unknown_token_id", spm ? 0 : -1);
        String pre = f.getString("tokenizer.ggml.pre", "default");
        // without the key llama.cpp adds BOS for SentencePiece and for some BPE pre-tokenizers (Llama 3)
        boolean addBos = f.getBool("tokenizer.ggml.add_bos_token", spm || BpePreTokenizer.defaultAddBos(pre));
        boolean addEos = f.getBool("tokenizer.ggml.add_eos_token", false);
        boolean addSpace = f.getBool("tokenizer.ggml.add_space_prefix", spm);
        return new Vocabulary(model, pre, toks.toArray(new String[0]), scores, types, bos, eos, eot, unk, addBos, addEos, addSpace);
    }

    public String model() { return model; }
    /** The pre-tokenizer name of byte-level BPE vocabularies (tokenizer.ggml.pre), e.g. "llama-bpe", "qwen2", "smollm". */
    public String preTokenizer() { return pre; }
    public int size() { return tokens.length; }
    public String token(int id) { return tokens[id]; }
    public float score(int id) { return scores[id]; }
    public int type(int id) { return types[id]; }
    /** Token id of this exact text, or -1. */
    public int id(String text) { return ids.getOrDefault(text, -1); }
    public int bos() { return bos; }
    public int eos() { return eos; }
    public int unknown() { return unk; }
    public boolean addBos() { return addBos; }
    public boolean addEos() { return addEos; }
    public boolean addSpacePrefix() { return addSpacePrefix; }

    /**
     * End-of-generation tokens as llama.cpp counts them: EOS, EOT, and tokens such as {@code <|im_end|>},
     * {@code <|eot_id|>}, {@code <|endoftext|>}, {@code <|fim_pad|>}, {@code <|file_sep|>}.
     */
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < tokens.length && endOfGeneration.get(id);
    }

    /** Whether a token is "special" text that {@code parseSpecial} recognises in the input. */
    public boolean isSpecial(int id) { return types[id] == CONTROL || types[id] == USER_DEFINED; }
}

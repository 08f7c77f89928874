package dev.skipjack.tokenizer;

import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The token-type corrections llama.cpp makes by token text when it loads a vocabulary, and its end-of-generation set.
 * llama.cpp marks end-of-turn, end-of-message and fill-in-the-middle tokens as control tokens even when the file calls
 * them normal (Qwen's vocabulary has "&lt;/s&gt;" as a normal token: llama.cpp treats it as special), makes a few
 * gpt-oss tokens user-defined, and stops generation at EOS, EOT and the tokens named below.
 * Differences: llama.cpp only looks for a fill-in-the-middle token when the file has no id for it, and takes one
 * match per kind; here every match of every list counts.
 */
final class LlamaCppTokenRules {
    private LlamaCppTokenRules() {}

    /** Texts llama.cpp treats as control tokens that end generation. */
    static final List<String> EOG_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
            "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
            "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~[");

    /** Fill-in-the-middle texts llama.cpp looks for: prefix, suffix, middle (control only). */
    static final List<String> FIM_CONTROL_TEXTS = List.of(
            "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>",
            "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>",
            "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uFF5Cfim\u2581end\uFF5C>", "<MID>", "\u2581<MID>", "<|code_middle|>", "<|middle|>");

    /** Fill-in-the-middle pad, repository and file-separator texts: control tokens that also end generation. */
    static final List<String> FIM_EOG_TEXTS = List.of(
            "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
            "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>",
            "<|file_sep|>");

    /** gpt-oss tokens llama.cpp always renders (user-defined). */
    static final List<String> USER_DEFINED_TEXTS = List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    /**
     * Applies llama.cpp's corrections to {@code types} in place and returns the end-of-generation token ids.
     *
     * @param ids text to id (the last id of a repeated text, as llama.cpp)
     */
    static BitSet apply(String[] tokens, int[] types, Map<String, Integer> ids, int eos, int eot) {
        BitSet eog = new BitSet(tokens.length);
        for (String t : FIM_CONTROL_TEXTS) control(ids.get(t), types);
        for (String t : FIM_EOG_TEXTS) {
            Integer id = ids.get(t);
            if (id != null) { control(id, types); eog.set(id); }
        }
        for (String t : EOG_TEXTS) {
            Integer id = ids.get(t);
            if (id != null) { control(id, types); eog.set(id); }
        }
        for (String t : USER_DEFINED_TEXTS) {
            Integer id = ids.get(t);
            if (id != null) types[id] = Vocabulary.USER_DEFINED;
        }
        if (eos >= 0 && eos < tokens.length) eog.set(eos);
        if (eot >= 0 && eot < tokens.length) eog.set(eot);
        // gpt-oss and solar-open: "<|end|>" ends a message, not the generation
        boolean hasReturn = false, hasCall = false, hasFlush = false;
        int end = -1, slashS = -1;
        boolean hasToolResponse = false;
        for (int id = eog.nextSetBit(0); id >= 0; id = eog.nextSetBit(id + 1)) {
            switch (tokens[id]) {
                case "<|return|>" -> hasReturn = true;
                case "<|call|>", "<|calls|>" -> hasCall = true;
                case "<|flush|>" -> hasFlush = true;
                case "<|end|>" -> end = id;
                case "<|tool_response>" -> hasToolResponse = true;
                case "</s>" -> slashS = id;
                default -> { }
            }
        }
        if (end >= 0 && ((hasReturn && hasCall) || (hasCall && hasFlush))) {
            eog.clear(end);
            types[end] = Vocabulary.USER_DEFINED;
        }
        // gemma4 and paddleocr: "</s>" is not an end of generation there
        if (hasToolResponse && slashS >= 0) {
            eog.clear(slashS);
            types[slashS] = Vocabulary.NORMAL;
        }
        return eog;
    }

    private static void control(Integer id, int[] types) {
        if (id != null) types[id] = Vocabulary.CONTROL;
    }
}

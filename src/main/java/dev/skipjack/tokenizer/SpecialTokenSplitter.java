package dev.skipjack.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts special-token text out of the input before tokenization, as llama.cpp's partition step does: every
 * control, user-defined and unknown token, longest (in UTF-8 bytes) first, is cut out of all the text fragments
 * left so far, leftmost occurrence first. User-defined tokens are cut out even when special tokens are not being
 * parsed (as Hugging Face tokenizers do for added tokens); control and unknown tokens only when they are.
 */
final class SpecialTokenSplitter {
    /** A piece of input: either plain text (token == -1) or one special token. */
    record Fragment(String text, int token) {}

    private final List<Integer> specials = new ArrayList<>();
    private final Vocabulary vocab;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        int[] bytes = new int[vocab.size()];
        for (int i = 0; i < vocab.size(); i++) {
            int type = vocab.type(i);
            if ((type == Vocabulary.CONTROL || type == Vocabulary.USER_DEFINED || type == Vocabulary.UNKNOWN)
                    && !vocab.token(i).isEmpty()) {
                specials.add(i);
                bytes[i] = vocab.token(i).getBytes(StandardCharsets.UTF_8).length;
            }
        }
        specials.sort(Comparator.comparingInt((Integer i) -> -bytes[i]).thenComparingInt(i -> i));
    }

    /** The fragments of {@code text} in order; empty text gives no fragment at all. */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        if (text.isEmpty()) return out;
        // fragments as [start, end, token]; token -1 marks raw text still to be searched
        List<int[]> frags = new ArrayList<>();
        frags.add(new int[]{0, text.length(), -1});
        for (int id : specials) {
            int type = vocab.type(id);
            if (!parseSpecial && (type == Vocabulary.CONTROL || type == Vocabulary.UNKNOWN)) continue;
            String s = vocab.token(id);
            if (!text.contains(s)) continue;
            List<int[]> next = new ArrayList<>(frags.size() + 4);
            for (int[] f : frags) {
                if (f[2] >= 0) { next.add(f); continue; }
                int pos = f[0], end = f[1];
                while (pos < end) {
                    int m = text.indexOf(s, pos);
                    if (m < 0 || m + s.length() > end) break;
                    if (m > pos) next.add(new int[]{pos, m, -1});
                    next.add(new int[]{m, m + s.length(), id});
                    pos = m + s.length();
                }
                if (pos < end) next.add(new int[]{pos, end, -1});
            }
            frags = next;
        }
        for (int[] f : frags) {
            out.add(f[2] >= 0 ? new Fragment(vocab.token(f[2]), f[2]) : new Fragment(text.substring(f[0], f[1]), -1));
        }
        return out;
    }
}

package dev.skipjack.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Splits text at occurrences of special tokens (longest first), as llama.cpp does when parsing special tokens. */
final class SpecialTokenSplitter {
    /** A piece of input: either plain text (token == -1) or one special token. */
    record Fragment(String text, int token) {}

    private final List<Integer> specials = new ArrayList<>();
    private final Vocabulary vocab;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        for (int i = 0; i < vocab.size(); i++) if (vocab.isSpecial(i) && !vocab.token(i).isEmpty()) specials.add(i);
        specials.sort(Comparator.comparingInt((Integer i) -> -vocab.token(i).length()));
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        if (!parseSpecial || specials.isEmpty()) {
            out.add(new Fragment(text, -1));
            return out;
        }
        int start = 0, i = 0;
        outer:
        while (i < text.length()) {
            for (int id : specials) {
                String s = vocab.token(id);
                if (text.startsWith(s, i)) {
                    if (i > start) out.add(new Fragment(text.substring(start, i), -1));
                    out.add(new Fragment(s, id));
                    i += s.length();
                    start = i;
                    continue outer;
                }
            }
            i++;
        }
        if (start < text.length()) out.add(new Fragment(text.substring(start), -1));
        return out;
    }
}

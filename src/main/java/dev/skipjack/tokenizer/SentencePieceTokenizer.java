package dev.skipjack.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece (BPE with scores and byte fallback) as llama.cpp's "llama" vocabulary type runs it:
 * spaces become U+2581, an optional space prefix is added, then the adjacent pair whose merge is the best-scoring
 * vocabulary entry is merged repeatedly; pieces not in the vocabulary fall back to {@code <0xXX>} byte tokens.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private static final String SPACE = "\u2581";

    private final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final int[] byteTokens = new int[256];
    private final byte[][] pieceBytes;

    public SentencePieceTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
        for (int b = 0; b < 256; b++) byteTokens[b] = vocab.id(String.format("<0x%02X>", b));
        pieceBytes = new byte[vocab.size()][];
        for (int i = 0; i < vocab.size(); i++) pieceBytes[i] = computeBytes(i);
    }

    @Override public Vocabulary vocabulary() { return vocab; }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addSpecial && vocab.addBos() && vocab.bos() >= 0) out.add(vocab.bos());
        // llama.cpp adds the space prefix to a text fragment at the start and after every special token
        boolean afterSpecial = true;
        for (SpecialTokenSplitter.Fragment f : splitter.split(text, parseSpecial)) {
            if (f.token() >= 0) {
                out.add(f.token());
                afterSpecial = true;
            } else {
                String t = f.text();
                if (vocab.addSpacePrefix() && afterSpecial) t = " " + t;
                encodePlain(t.replace(" ", SPACE), out);
                afterSpecial = false;
            }
        }
        if (addSpecial && vocab.addEos() && vocab.eos() >= 0) out.add(vocab.eos());
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static final class Symbol {
        int prev, next;
        int start, len; // in UTF-16 units of the text
    }

    private record Bigram(int left, int right, float score, int size) {}

    private void encodePlain(String text, List<Integer> out) {
        if (text.isEmpty()) return;
        List<Symbol> symbols = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            Symbol s = new Symbol();
            s.start = i;
            s.len = n;
            s.prev = symbols.size() - 1;
            s.next = i + n < text.length() ? symbols.size() + 1 : -1;
            symbols.add(s);
            i += n;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> {
            int c = Float.compare(b.score, a.score);
            return c != 0 ? c : Integer.compare(a.left, b.left);
        });
        Map<String, int[]> revMerge = new HashMap<>();
        for (int i = 1; i < symbols.size(); i++) tryAddBigram(text, symbols, i - 1, i, queue, revMerge);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            Symbol left = symbols.get(bg.left), right = symbols.get(bg.right);
            if (left.len == 0 || right.len == 0 || left.len + right.len != bg.size) continue; // stale
            left.len += right.len;
            right.len = 0;
            left.next = right.next;
            if (right.next >= 0) symbols.get(right.next).prev = bg.left;
            tryAddBigram(text, symbols, left.prev, bg.left, queue, revMerge);
            tryAddBigram(text, symbols, bg.left, left.next, queue, revMerge);
        }
        for (int i = 0; i != -1 && i < symbols.size(); i = symbols.get(i).next) {
            Symbol s = symbols.get(i);
            resegment(text, s.start, s.len, out, revMerge);
        }
    }

    private void tryAddBigram(String text, List<Symbol> symbols, int left, int right, PriorityQueue<Bigram> queue,
                              Map<String, int[]> revMerge) {
        if (left < 0 || right < 0) return;
        Symbol l = symbols.get(left), r = symbols.get(right);
        String merged = text.substring(l.start, l.start + l.len + r.len);
        int id = vocab.id(merged);
        if (id < 0) return;
        queue.add(new Bigram(left, right, vocab.score(id), l.len + r.len));
        revMerge.put(l.start + ":" + (l.len + r.len), new int[]{l.start, l.len, r.start, r.len});
    }

    private void resegment(String text, int start, int len, List<Integer> out, Map<String, int[]> revMerge) {
        String piece = text.substring(start, start + len);
        int id = vocab.id(piece);
        if (id >= 0) { out.add(id); return; }
        int[] parts = revMerge.get(start + ":" + len);
        if (parts != null) {
            resegment(text, parts[0], parts[1], out, revMerge);
            resegment(text, parts[2], parts[3], out, revMerge);
            return;
        }
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            int t = byteTokens[b & 0xFF];
            out.add(t >= 0 ? t : vocab.unknown());
        }
    }

    @Override
    public byte[] tokenBytes(int token) { return pieceBytes[token]; }

    private byte[] computeBytes(int id) {
        int type = vocab.type(id);
        String t = vocab.token(id);
        if (type == Vocabulary.BYTE && t.length() == 6 && t.startsWith("<0x")) {
            return new byte[]{(byte) Integer.parseInt(t.substring(3, 5), 16)};
        }
        if (type == Vocabulary.CONTROL || type == Vocabulary.UNKNOWN || type == Vocabulary.UNUSED) return new byte[0];
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(t.replace(SPACE, " ").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }
}

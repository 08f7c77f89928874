package dev.skipjack.tokenizer;

import dev.skipjack.gguf.GgufException;
import dev.skipjack.gguf.GgufFile;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Byte-level BPE (GPT-2 style; llama.cpp's "gpt2" vocabulary type) as llama.cpp runs it: special tokens are cut out
 * first, the rest is split into words by the pre-tokenizer that {@code tokenizer.ggml.pre} names, each word's UTF-8
 * bytes are mapped to GPT-2's byte characters and merged pairwise by rank ({@code tokenizer.ggml.merges}, lowest
 * index first, leftmost on ties). Words are cached. Thread-safe.
 */
public final class BpeTokenizer implements Tokenizer {
    private static final int CACHE_LIMIT = 1 << 16;

    private final Vocabulary vocab;
    private final BpePreTokenizer pre;
    private final SpecialTokenSplitter splitter;
    private final Map<String, Integer> ranks;
    private final boolean addBos;
    private final AtomicReferenceArray<byte[]> pieceBytes;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    public BpeTokenizer(Vocabulary vocab, GgufFile file) {
        this(vocab, requireMerges(file), vocab.addBos());
    }

    private static List<Object> requireMerges(GgufFile file) {
        List<Object> merges = file.getList("tokenizer.ggml.merges");
        if (merges == null) {
            throw new GgufException(file.path().getFileName() + ": tokenizer.ggml.merges missing (needed by BPE vocabularies)");
        }
        return merges;
    }

    /** A tokenizer from a vocabulary and its merges ("left right" strings, best first). */
    public BpeTokenizer(Vocabulary vocab, List<?> merges, boolean addBos) {
        this.vocab = vocab;
        this.pre = BpePreTokenizer.forName(vocab.preTokenizer());
        this.splitter = new SpecialTokenSplitter(vocab);
        this.addBos = addBos;
        if (addBos && vocab.bos() < 0) throw new GgufException("the vocabulary asks for BOS but has no BOS token id");
        this.ranks = new HashMap<>(merges == null ? 16 : merges.size() * 2);
        if (merges != null) {
            for (int i = 0; i < merges.size(); i++) ranks.putIfAbsent((String) merges.get(i), i);
        }
        pieceBytes = new AtomicReferenceArray<>(vocab.size());
    }

    @Override public Vocabulary vocabulary() { return vocab; }

    /** Whether {@code encode(text, true, ...)} starts with BOS. */
    public boolean addsBos() { return addBos; }

    /** Whether llama.cpp adds BOS for a BPE vocabulary with this pre-tokenizer when the file does not say. */
    public static boolean addsBosByDefault(String pre) { return BpePreTokenizer.defaultAddBos(pre); }

    /** The pre-tokenizer's name as llama.cpp knows it. */
    public String preTokenizer() { return pre.name(); }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntBuffer out = new IntBuffer();
        if (addSpecial && addBos) out.add(vocab.bos());
        for (SpecialTokenSplitter.Fragment f : splitter.split(text, parseSpecial)) {
            if (f.token() >= 0) {
                out.add(f.token());
            } else {
                for (String word : pre.split(f.text())) out.addAll(word(word));
            }
        }
        if (addSpecial && vocab.addEos()) {
            if (vocab.eos() < 0) throw new GgufException("the vocabulary asks for EOS but has no EOS token id");
            out.add(vocab.eos());
        }
        return out.toArray();
    }

    private int[] word(String word) {
        int[] cached = cache.get(word);
        if (cached != null) return cached;
        int[] tokens = bpe(ByteLevel.encode(word));
        if (cache.size() >= CACHE_LIMIT) cache.clear();
        cache.put(word, tokens);
        return tokens;
    }

    /** Merges the byte characters of one word. */
    int[] bpe(String s) {
        int n = s.length();
        if (n == 0) return new int[0];
        if (pre.ignoreMerges()) {
            int id = vocab.id(s);
            if (id >= 0) return new int[]{id};
        }
        // symbols: every byte character starts as its own symbol; merged ones grow to the right
        int[] len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // bigram: {rank, left, right, size}; lowest rank first, then leftmost
        PriorityQueue<int[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        for (int i = 1; i < n; i++) addBigram(s, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            int[] bg = queue.poll();
            int l = bg[1], r = bg[2];
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg[3]) continue; // outdated
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) addBigram(s, len, prev[l], l, queue);
            if (next[l] >= 0) addBigram(s, len, l, next[l], queue);
        }
        IntBuffer out = new IntBuffer();
        for (int i = 0; i >= 0; i = next[i]) {
            String piece = s.substring(i, i + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                // llama.cpp looks each raw byte of the piece's text up as a one-byte token: only ASCII can match
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    if (b >= 0) {
                        int t = vocab.id(String.valueOf((char) b));
                        if (t >= 0) out.add(t);
                    }
                }
            }
        }
        return out.toArray();
    }

    private void addBigram(String s, int[] len, int left, int right, PriorityQueue<int[]> queue) {
        String l = s.substring(left, left + len[left]);
        if (l.indexOf(' ', 1) >= 0) return; // llama.cpp splits merge entries at their first space after index 0
        Integer rank = ranks.get(l + ' ' + s.substring(right, right + len[right]));
        if (rank == null) return;
        queue.add(new int[]{rank, left, right, len[left] + len[right]});
    }

    @Override
    public byte[] tokenBytes(int token) {
        byte[] b = pieceBytes.get(token);
        if (b == null) {
            b = computeBytes(token);
            pieceBytes.set(token, b);
        }
        return b;
    }

    private byte[] computeBytes(int id) {
        String t = vocab.token(id);
        return switch (vocab.type(id)) {
            case Vocabulary.NORMAL -> ByteLevel.decode(t);
            case Vocabulary.USER_DEFINED -> t.getBytes(StandardCharsets.UTF_8);
            case Vocabulary.BYTE -> t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")
                    ? new byte[]{(byte) Integer.parseInt(t.substring(3, 5), 16)} : new byte[0];
            default -> new byte[0]; // control, unknown, unused
        };
    }

    private static final class IntBuffer {
        int[] a = new int[16];
        int n;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(int[] v) { for (int x : v) add(x); }

        int[] toArray() { return Arrays.copyOf(a, n); }
    }
}

package dev.skipjack.synth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skipjack.tokenizer.BpeTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} (byte-level BPE) and its optional {@code tokenizer_config.json} into the
 * GGUF tokenizer metadata, following llama.cpp's converter: ids without a token become "[PAD<id>]" (unused), added
 * tokens become control tokens when marked special or when they look special ({@code <|...|>} and the like) and
 * user-defined tokens otherwise, everything else is normal.
 */
public final class HfTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Pre-tokenizer regexes of tokenizer.json and the llama.cpp pre-tokenizer names they correspond to. */
    private static final Map<String, String> PRE_BY_REGEX = Map.of(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "qwen2");

    private HfTokenizerJson() {}

    /** Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}. */
    public static TokenizerSpec load(Path dir) throws IOException {
        Path config = dir.resolve("tokenizer_config.json");
        return load(dir.resolve("tokenizer.json"), Files.exists(config) ? config : null, null);
    }

    /**
     * @param tokenizerJson the tokenizer.json
     * @param config        tokenizer_config.json or null
     * @param pre           the llama.cpp pre-tokenizer name, or null to recognise it from the pre_tokenizer section
     */
    public static TokenizerSpec load(Path tokenizerJson, Path config, String pre) throws IOException {
        Parsed root = parse(tokenizerJson);
        JsonNode cfg = config != null ? JSON.readTree(config.toFile()) : JSON.createObjectNode();
        if (!"BPE".equals(root.modelType)) {
            throw new IOException(tokenizerJson + ": not a BPE tokenizer (model.type " + root.modelType + ")");
        }
        Map<Integer, String> byId = root.vocab;
        int size = 0;
        for (int id : byId.keySet()) size = Math.max(size, id + 1);
        Map<Integer, JsonNode> added = new HashMap<>();
        for (JsonNode a : root.addedTokens) {
            int id = a.path("id").asInt();
            added.put(id, a);
            byId.put(id, a.path("content").asText());
            size = Math.max(size, id + 1);
        }
        List<String> tokens = new ArrayList<>(size);
        int[] types = new int[size];
        for (int i = 0; i < size; i++) {
            String t = byId.get(i);
            if (t == null) {
                tokens.add("[PAD" + i + "]");
                types[i] = 5; // unused
            } else if (added.containsKey(i)) {
                boolean special = added.get(i).path("special").asBoolean(false) || looksSpecial(t);
                types[i] = special ? 3 : 4; // control : user-defined
                tokens.add(special ? t : t.replace("\u2581", " "));
            } else {
                types[i] = 1;
                tokens.add(t);
            }
        }
        List<String> merges = root.merges;
        String preName = pre != null ? pre : recognisePre(root.preTokenizer);
        if (preName == null) throw new IOException(tokenizerJson + ": unrecognised pre_tokenizer; pass the llama.cpp pre name");

        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < size; i++) ids.put(tokens.get(i), i);
        int bos = idOf(ids, cfg.path("bos_token"));
        int eos = idOf(ids, cfg.path("eos_token"));
        int pad = idOf(ids, cfg.path("pad_token"));
        // Qwen leaves bos_token null in tokenizer_config.json; its config.json (and so its GGUFs) use <|endoftext|>
        if (bos < 0 && ids.containsKey("<|endoftext|>")) bos = ids.get("<|endoftext|>");
        boolean addBos;
        if (cfg.has("add_bos_token") && cfg.get("add_bos_token").isBoolean()) addBos = cfg.get("add_bos_token").asBoolean();
        else if (templateStartsWith(root.postProcessor, bos >= 0 ? tokens.get(bos) : null)) addBos = true;
        else addBos = BpeTokenizer.addsBosByDefault(preName);
        return new TokenizerSpec("gpt2", preName, tokens, types, merges, bos, eos, pad, addBos);
    }

    /** The parts of tokenizer.json we use, read with the streaming parser (the vocabularies are large). */
    private static final class Parsed {
        String modelType;
        final Map<Integer, String> vocab = new HashMap<>();
        final List<String> merges = new ArrayList<>();
        final List<JsonNode> addedTokens = new ArrayList<>();
        JsonNode preTokenizer = JSON.createObjectNode();
        JsonNode postProcessor = JSON.createObjectNode();
    }

    private static Parsed parse(Path file) throws IOException {
        Parsed r = new Parsed();
        try (JsonParser p = JSON.getFactory().createParser(file.toFile())) {
            expect(p.nextToken(), JsonToken.START_OBJECT, file);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "added_tokens" -> { if (t == JsonToken.START_ARRAY) while (p.nextToken() == JsonToken.START_OBJECT) r.addedTokens.add(p.readValueAsTree()); else p.skipChildren(); }
                    case "pre_tokenizer" -> r.preTokenizer = t == JsonToken.VALUE_NULL ? JSON.createObjectNode() : p.readValueAsTree();
                    case "post_processor" -> r.postProcessor = t == JsonToken.VALUE_NULL ? JSON.createObjectNode() : p.readValueAsTree();
                    case "model" -> parseModel(p, r, file);
                    default -> p.skipChildren();
                }
            }
        }
        return r;
    }

    private static void parseModel(JsonParser p, Parsed r, Path file) throws IOException {
        expect(p.currentToken(), JsonToken.START_OBJECT, file);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "type" -> r.modelType = p.getValueAsString();
                case "vocab" -> {
                    expect(t, JsonToken.START_OBJECT, file);
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String token = p.currentName();
                        p.nextToken();
                        r.vocab.put(p.getIntValue(), token);
                    }
                }
                case "merges" -> {
                    expect(t, JsonToken.START_ARRAY, file);
                    for (JsonToken m = p.nextToken(); m != JsonToken.END_ARRAY; m = p.nextToken()) {
                        if (m == JsonToken.START_ARRAY) {
                            p.nextToken();
                            String a = p.getText();
                            p.nextToken();
                            String b = p.getText();
                            expect(p.nextToken(), JsonToken.END_ARRAY, file);
                            r.merges.add(a + " " + b);
                        } else {
                            r.merges.add(p.getText());
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void expect(JsonToken got, JsonToken want, Path file) throws IOException {
        if (got != want) throw new IOException(file + ": expected " + want + ", found " + got);
    }

    /** llama.cpp's converter treats these added tokens as control tokens even when not marked special. */
    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>"))
                || (t.startsWith("<\uFF5C") && t.endsWith("\uFF5C>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }

    private static int idOf(Map<String, Integer> ids, JsonNode tok) {
        String text = tok.isTextual() ? tok.asText() : tok.isObject() ? tok.path("content").asText(null) : null;
        if (text == null) return -1;
        return ids.getOrDefault(text, -1);
    }

    private static String recognisePre(JsonNode p) {
        String type = p.path("type").asText();
        if (type.equals("Split")) return PRE_BY_REGEX.get(p.path("pattern").path("Regex").asText());
        if (type.equals("ByteLevel") && p.path("use_regex").asBoolean(true)) return "gpt-2";
        if (type.equals("Sequence")) {
            JsonNode list = p.path("pretokenizers");
            if (list.size() == 2 && list.get(0).path("type").asText().equals("Digits")
                    && list.get(0).path("individual_digits").asBoolean(false)
                    && list.get(1).path("type").asText().equals("ByteLevel") && list.get(1).path("use_regex").asBoolean(true)) {
                return "smollm";
            }
            for (JsonNode q : list) {
                String r = recognisePre(q);
                if (r != null && q.path("type").asText().equals("Split")) return r;
            }
        }
        return null;
    }

    private static boolean templateStartsWith(JsonNode post, String bosText) {
        if (bosText == null) return false;
        if (post.path("type").asText().equals("Sequence")) {
            for (JsonNode p : post.path("processors")) if (templateStartsWith(p, bosText)) return true;
            return false;
        }
        if (!post.path("type").asText().equals("TemplateProcessing")) return false;
        JsonNode first = post.path("single").path(0).path("SpecialToken").path("id");
        return bosText.equals(first.asText(null));
    }
}

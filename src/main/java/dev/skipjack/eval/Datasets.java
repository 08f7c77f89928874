package dev.skipjack.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Readers for the evaluation datasets (JSON lines, optionally gzipped, and CSV). */
public final class Datasets {
    private Datasets() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static String readText(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            InputStream s = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** One JSON object per non-blank line. */
    public static List<JsonNode> jsonl(Path file) {
        List<JsonNode> out = new ArrayList<>();
        int line = 0;
        for (String s : readText(file).split("\n", -1)) {
            line++;
            if (s.isBlank()) continue;
            try {
                out.add(JSON.readTree(s));
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " line " + line + " is not JSON: " + e.getMessage());
            }
        }
        return out;
    }

    private static String text(JsonNode o, String field, Path file, int index) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException(file + " record " + (index + 1) + " has no '" + field + "'");
        return v.isTextual() ? v.asText() : v.toString();
    }

    /** HumanEval: task_id, prompt, entry_point, test (canonical_solution kept when present). */
    public static List<Example> humanEval(Path file) {
        List<JsonNode> rows = jsonl(file);
        List<Example> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode o = rows.get(i);
            String canonical = o.hasNonNull("canonical_solution") ? o.get("canonical_solution").asText() : "";
            out.add(new Example(text(o, "task_id", file, i), text(o, "prompt", file, i), canonical,
                    Map.of("test", text(o, "test", file, i), "entry_point", text(o, "entry_point", file, i))));
        }
        return out;
    }

    /** GSM8K: question, answer (a worked solution ending in "#### number"); the id is the 0-based line. */
    public static List<Example> gsm8k(Path file) {
        List<JsonNode> rows = jsonl(file);
        List<Example> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode o = rows.get(i);
            out.add(new Example(o.hasNonNull("id") ? o.get("id").asText() : String.valueOf(i),
                    text(o, "question", file, i), text(o, "answer", file, i)));
        }
        return out;
    }

    /** MT-bench: question_id, category, turns (only the first turn is used). */
    public static List<Example> mtBench(Path file) {
        List<JsonNode> rows = jsonl(file);
        List<Example> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode o = rows.get(i);
            JsonNode turns = o.get("turns");
            if (turns == null || !turns.isArray() || turns.isEmpty()) {
                throw new IllegalArgumentException(file + " record " + (i + 1) + " has no 'turns'");
            }
            String category = o.hasNonNull("category") ? o.get("category").asText() : "";
            out.add(new Example(o.hasNonNull("question_id") ? o.get("question_id").asText() : String.valueOf(i),
                    turns.get(0).asText(), "", Map.of("category", category)));
        }
        return out;
    }

    /**
     * Article/summary pairs from CSV (columns article+highlights or document+summary) or JSON lines (the same
     * fields, or Spec-Bench's {@code turns: ["Summarize: article"]} with {@code reference: [highlights]}).
     */
    public static List<Example> summaries(Path file) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        List<Example> out = new ArrayList<>();
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
            List<Map<String, String>> rows = Csv.records(readText(file));
            for (int i = 0; i < rows.size(); i++) {
                Map<String, String> r = rows.get(i);
                String article = first(r, "article", "document", "text");
                String summary = first(r, "highlights", "summary", "reference");
                if (article == null || summary == null) {
                    throw new IllegalArgumentException(file + " needs columns article,highlights (or document,summary); has " + r.keySet());
                }
                String id = first(r, "id");
                out.add(new Example(id != null ? id : String.valueOf(i), article, summary));
            }
            return out;
        }
        List<JsonNode> rows = jsonl(file);
        for (int i = 0; i < rows.size(); i++) {
            JsonNode o = rows.get(i);
            String article = firstText(o, "article", "document", "text");
            if (article == null && o.has("turns") && o.get("turns").isArray() && !o.get("turns").isEmpty()) {
                article = o.get("turns").get(0).asText();
                if (article.startsWith("Summarize:")) article = article.substring("Summarize:".length()).strip();
            }
            String summary = firstText(o, "highlights", "summary", "reference");
            if (article == null || summary == null) {
                throw new IllegalArgumentException(file + " record " + (i + 1) + " needs article/document (or turns) and highlights/summary/reference");
            }
            String id = firstText(o, "id", "question_id");
            out.add(new Example(id != null ? id : String.valueOf(i), article, summary));
        }
        return out;
    }

    private static String first(Map<String, String> r, String... keys) {
        for (String k : keys) if (r.containsKey(k)) return r.get(k);
        return null;
    }

    /** A text field, or an array of texts joined by newlines. */
    private static String firstText(JsonNode o, String... keys) {
        for (String k : keys) {
            JsonNode v = o.get(k);
            if (v == null || v.isNull()) continue;
            if (v.isArray()) {
                List<String> parts = new ArrayList<>();
                v.forEach(x -> parts.add(x.asText()));
                return String.join("\n", parts);
            }
            return v.asText();
        }
        return null;
    }
}

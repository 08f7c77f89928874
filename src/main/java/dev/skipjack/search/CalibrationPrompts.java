package dev.skipjack.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts the skip search measures speed on. Built-in sources read the shared datasets; records are taken from the
 * <em>end</em> of each file so they do not overlap the evaluation prompts (which take the first records).
 * <ul>
 * <li>{@code cnndm+xsum} (default, as the paper): one-shot-free "Article: ...\nSummary:" prompts from CNN/DM and XSum</li>
 * <li>{@code cnndm}, {@code xsum}, {@code humaneval} (code prompts), {@code gsm8k}, {@code mtbench}</li>
 * <li>a path: {@code .jsonl} (fields prompt/text/question/document/article or turns[0]) or text blocks separated by blank lines</li>
 * </ul>
 */
public final class CalibrationPrompts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CalibrationPrompts() {}

    public static Path datasetsRoot() {
        String env = System.getenv("SKIPJACK_DATASETS");
        for (Path p : new Path[]{env != null ? Path.of(env) : null, Path.of("../shared/datasets"), Path.of("/work/shared/datasets")}) {
            if (p != null && Files.isDirectory(p)) return p;
        }
        throw new IllegalArgumentException("datasets folder not found (../shared/datasets); set SKIPJACK_DATASETS or pass --prompts FILE");
    }

    /** Up to {@code count} prompts of at most {@code maxChars} characters of source text each. */
    public static List<String> load(String source, int count, int maxChars) {
        List<String> out = new ArrayList<>();
        try {
            switch (source) {
                case "cnndm+xsum" -> {
                    out.addAll(load("cnndm", (count + 1) / 2, maxChars));
                    out.addAll(load("xsum", count / 2, maxChars));
                }
                case "cnndm" -> {
                    for (String a : lastRecords(datasetsRoot().resolve("cnn_dailymail/specbench_cnndm_summarization_80.jsonl"), count)) {
                        String article = JSON.readTree(a).path("turns").path(0).asText().replaceFirst("^Summarize: ", "");
                        out.add(summaryPrompt(article, maxChars));
                    }
                }
                case "xsum" -> {
                    for (String a : lastRecords(datasetsRoot().resolve("xsum/test.jsonl"), count)) {
                        out.add(summaryPrompt(JSON.readTree(a).path("document").asText(), maxChars));
                    }
                }
                case "humaneval" -> {
                    for (String a : lastRecords(datasetsRoot().resolve("humaneval/HumanEval.jsonl"), count)) {
                        out.add(cut(JSON.readTree(a).path("prompt").asText(), maxChars));
                    }
                }
                case "gsm8k" -> {
                    for (String a : lastRecords(datasetsRoot().resolve("gsm8k/test.jsonl"), count)) {
                        out.add("Question: " + cut(JSON.readTree(a).path("question").asText(), maxChars) + "\nAnswer:");
                    }
                }
                case "mtbench" -> {
                    for (String a : lastRecords(datasetsRoot().resolve("mt_bench/question.jsonl"), count)) {
                        out.add(cut(JSON.readTree(a).path("turns").path(0).asText(), maxChars));
                    }
                }
                default -> out.addAll(fromFile(Path.of(source), count, maxChars));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read calibration prompts '" + source + "': " + e.getMessage());
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no calibration prompts in '" + source + "'");
        return out;
    }

    private static List<String> fromFile(Path p, int count, int maxChars) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("unknown prompt source '" + p + "' (use cnndm+xsum, cnndm, xsum, humaneval, gsm8k, mtbench or a file)");
        }
        List<String> out = new ArrayList<>();
        if (p.toString().endsWith(".jsonl")) {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (line.isBlank() || out.size() >= count) continue;
                JsonNode n = JSON.readTree(line);
                for (String f : new String[]{"prompt", "text", "question", "document", "article"}) {
                    if (n.has(f)) { out.add(cut(n.get(f).asText(), maxChars)); break; }
                }
                if (n.has("turns") && out.size() < count) out.add(cut(n.get("turns").get(0).asText(), maxChars));
            }
        } else {
            for (String block : Files.readString(p, StandardCharsets.UTF_8).split("\n\\s*\n")) {
                if (!block.isBlank() && out.size() < count) out.add(cut(block.strip(), maxChars));
            }
        }
        return out;
    }

    static String summaryPrompt(String article, int maxChars) {
        return "Article: " + cut(article.strip(), maxChars) + "\nSummary:";
    }

    static String cut(String s, int maxChars) {
        if (s.length() <= maxChars) return s;
        int end = s.lastIndexOf(' ', maxChars);
        return s.substring(0, end > maxChars / 2 ? end : maxChars);
    }

    private static List<String> lastRecords(Path file, int count) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) if (!line.isBlank()) lines.add(line);
        }
        return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }
}

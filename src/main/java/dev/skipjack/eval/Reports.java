package dev.skipjack.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes evaluation results: {@code report.json} ({@code {"task", "model", "methods": {...}}} for one task,
 * {@code {"tasks": [...]}} of those for several), {@code report.md}, {@code report.png} and {@code samples.jsonl}
 * (every generation with its scores).
 */
public final class Reports {
    private Reports() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes all report files into {@code dir} (created if needed). */
    public static void write(List<TaskResult> results, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"), JSON.writeValueAsString(json(results)) + "\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.md"), markdown(results), StandardCharsets.UTF_8);
        BarChart.write(results, dir.resolve("report.png"));
        StringBuilder sb = new StringBuilder();
        ObjectMapper compact = new ObjectMapper();
        for (TaskResult t : results) {
            for (TaskResult.Sample s : t.samples()) {
                ObjectNode o = compact.createObjectNode();
                o.put("task", t.task());
                o.put("id", s.id());
                o.put("method", s.method());
                o.put("prompt_tokens", s.promptTokens());
                o.put("generated_tokens", s.tokens().length);
                o.put("seconds", s.seconds());
                o.put("finish_reason", s.finishReason());
                ObjectNode sc = o.putObject("scores");
                s.scores().forEach((k, v) -> num(sc, k, v));
                o.put("answer", s.answer());
                o.put("text", s.text());
                ArrayNode toks = o.putArray("tokens");
                for (int tok : s.tokens()) toks.add(tok);
                sb.append(compact.writeValueAsString(o)).append('\n');
            }
        }
        Files.writeString(dir.resolve("samples.jsonl"), sb.toString(), StandardCharsets.UTF_8);
    }

    public static ObjectNode json(List<TaskResult> results) {
        if (results.size() == 1) return taskJson(results.getFirst());
        ObjectNode root = JSON.createObjectNode();
        ArrayNode tasks = root.putArray("tasks");
        for (TaskResult t : results) tasks.add(taskJson(t));
        return root;
    }

    public static ObjectNode taskJson(TaskResult t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("task", t.task());
        o.put("model", t.model());
        ObjectNode methods = o.putObject("methods");
        for (MethodResult m : t.methods().values()) {
            ObjectNode j = methods.putObject(m.name());
            num(j, "tokens_per_second", m.tokensPerSecond());
            num(j, "speedup", m.speedup());
            num(j, "tau", m.tau());
            num(j, "acceptance_rate", m.acceptanceRate());
            ArrayNode byPos = j.putArray("acceptance_by_position");
            for (double a : m.acceptanceByPosition()) byPos.add(a);
            ObjectNode q = j.putObject("quality");
            m.quality(t.metrics()).forEach((k, v) -> num(q, k, v));
            j.put("quality_identical", m.qualityIdentical());
            j.put("token_mismatches", m.tokenMismatches());
            j.put("reference_method", t.reference());
            j.put("prompts", m.prompts());
            j.put("skipped_prompts", t.skipped());
            j.put("prompt_tokens", m.promptTokens());
            j.put("generated_tokens", m.generatedTokens());
            num(j, "seconds", m.seconds());
            num(j, "prefill_seconds", m.prefillSeconds());
            num(j, "decode_seconds", m.decodeSeconds());
            num(j, "wall_seconds", m.wallSeconds());
            j.put("target_forwards", m.targetForwards());
            j.put("drafted", m.drafted());
            j.put("accepted", m.accepted());
            ArrayNode dPos = j.putArray("drafted_by_position");
            for (long d : m.draftedByPosition()) dPos.add(d);
            num(j, "draft_seconds", m.draftSeconds());
            num(j, "verify_seconds", m.verifySeconds());
            ObjectNode fr = j.putObject("finish_reasons");
            m.finishReasons().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> fr.put(e.getKey(), e.getValue()));
            j.put("max_tokens", t.maxTokens());
            j.put("temperature", t.temperature());
            if (m.description() != null) j.put("decoder", m.description());
        }
        return o;
    }

    private static void num(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    public static String markdown(List<TaskResult> results) {
        StringBuilder sb = new StringBuilder();
        TaskResult first = results.getFirst();
        sb.append("# skipjack eval: ").append(first.model()).append("\n\n");
        sb.append(String.format(Locale.ROOT, "Max %d new tokens, %s; tokens/s = generated tokens / wall seconds including prefill, summed over prompts; "
                        + "speedup over `%s` in the same run; tau = tokens per target forward pass.%n%n",
                first.maxTokens(), first.greedy() ? "greedy (temperature 0)" : "temperature " + first.temperature(), first.reference()));
        for (MethodResult m : first.methods().values()) {
            if (m.description() != null) sb.append("- `").append(m.name()).append("`: ").append(m.description()).append('\n');
        }
        sb.append('\n');
        if (results.size() > 1) {
            sb.append("## Summary\n\n| task |");
            for (String m : first.methods().keySet()) sb.append(' ').append(m).append(" tok/s | ").append(m).append(" speedup | ").append(m).append(" tau |");
            sb.append("\n|---|");
            sb.append("---:|".repeat(3 * first.methods().size())).append('\n');
            for (TaskResult t : results) {
                sb.append("| ").append(t.task()).append(" |");
                for (MethodResult m : t.methods().values()) {
                    sb.append(' ').append(f(m.tokensPerSecond(), 1)).append(" | ").append(x(m.speedup())).append(" | ").append(f(m.tau(), 2)).append(" |");
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        for (TaskResult t : results) {
            sb.append("## ").append(t.task()).append("\n\n").append(t.description()).append(". ")
                    .append(t.prompts()).append(" prompts");
            if (t.skipped() > 0) sb.append(" (").append(t.skipped()).append(" skipped: too long for the context)");
            sb.append('.');
            if (!t.notes().isEmpty()) sb.append(' ').append(t.notes().substring(0, 1).toUpperCase(Locale.ROOT)).append(t.notes().substring(1)).append('.');
            sb.append("\n\n| method | tok/s | speedup | tau | acceptance | acceptance by draft position |");
            for (String q : t.metrics()) sb.append(' ').append(q).append(" |");
            sb.append(" tokens | seconds |\n|---|---:|---:|---:|---:|---|");
            sb.append("---:|".repeat(t.metrics().size())).append("---:|---:|\n");
            for (MethodResult m : t.methods().values()) {
                sb.append("| ").append(m.name()).append(" | ").append(f(m.tokensPerSecond(), 1)).append(" | ").append(x(m.speedup()))
                        .append(" | ").append(f(m.tau(), 2)).append(" | ").append(f(m.acceptanceRate(), 3)).append(" | ")
                        .append(positions(m.acceptanceByPosition())).append(" |");
                Map<String, Double> q = m.quality(t.metrics());
                for (String k : t.metrics()) sb.append(' ').append(f(q.getOrDefault(k, Double.NaN), 4)).append(" |");
                sb.append(' ').append(m.generatedTokens()).append(" | ").append(f(m.seconds(), 3)).append(" |\n");
            }
            sb.append('\n');
            if (t.greedy()) {
                sb.append(String.format(Locale.ROOT, "Greedy losslessness: %d of %d prompts with token mismatches against `%s` (must be 0); "
                                + "quality metrics identical across methods: %s.%n%n",
                        t.tokenMismatches(), t.prompts(), t.reference(), t.qualityIdentical() ? "yes" : "NO"));
            } else {
                sb.append(String.format(Locale.ROOT, "Sampled decoding: %d of %d prompts differ from `%s` (expected; only the distribution must match).%n%n",
                        t.tokenMismatches(), t.prompts(), t.reference()));
            }
        }
        return sb.toString();
    }

    private static String positions(double[] a) {
        if (a.length == 0) return "-";
        StringBuilder sb = new StringBuilder();
        int shown = Math.min(a.length, 8);
        for (int i = 0; i < shown; i++) sb.append(i == 0 ? "" : " ").append(f(a[i], 2));
        if (a.length > shown) sb.append(" ...");
        return sb.toString();
    }

    static String f(double v, int digits) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "-";
    }

    static String x(double v) { return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2fx", v) : "-"; }
}

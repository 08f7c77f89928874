package dev.skipjack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skipjack.api.LanguageModel;
import dev.skipjack.draft.AdaptiveDraftExit;
import dev.skipjack.draft.SkipProfile;
import dev.skipjack.model.SkipSet;
import dev.skipjack.search.CalibrationPrompts;
import dev.skipjack.search.MeasuredSpeed;
import dev.skipjack.search.SkipSearch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code skipjack search-skips}: Bayesian optimisation of the self-speculative skip set, measured on this machine. */
@Command(name = "search-skips", mixinStandardHelpOptions = true,
        description = "Find the attention/MLP sublayers to skip when drafting, by Bayesian optimisation of measured speed.")
final class SearchSkipsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Mixin CommonOptions common;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Skip profile to write (JSON).")
    Path out;

    @Option(names = "--prompts", defaultValue = "cnndm+xsum", paramLabel = "SOURCE",
            description = "Calibration prompts: cnndm+xsum (default), cnndm, xsum, humaneval, gsm8k, mtbench, or a .jsonl/.txt file.")
    String prompts;

    @Option(names = "--prompt-count", defaultValue = "8", description = "Calibration prompts (default: ${DEFAULT-VALUE}).")
    int promptCount;

    @Option(names = "--prompt-chars", defaultValue = "1500", description = "Longest calibration prompt text in characters (default: ${DEFAULT-VALUE}).")
    int promptChars;

    @Option(names = "--new-tokens", defaultValue = "32", description = "Tokens generated per prompt per measurement (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--iterations", defaultValue = "40", description = "Measurements at most, seeds included (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--budget", paramLabel = "SECONDS", description = "Stop after this many seconds (default: no limit).")
    Double budget;

    @Option(names = "--patience", defaultValue = "12", description = "Stop when the best speed has not improved by 1% for this many iterations; 0 = never (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed of the search (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-draft", defaultValue = "12", description = "Longest draft while measuring (default: ${DEFAULT-VALUE}).")
    int maxDraft;

    @Option(names = "--fresh", description = "Ignore a saved search state and start over (by default an interrupted search resumes).")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        if (promptCount < 1 || newTokens < 2) throw new IllegalArgumentException("--prompt-count must be >= 1 and --new-tokens >= 2");
        PrintWriter err = spec.commandLine().getErr();
        Path state = out.resolveSibling(out.getFileName() + ".state.json");
        try (LanguageModel model = common.load()) {
            int layers = model.config().layers();
            String fingerprint = SkipProfile.fingerprint(model.file().path());
            List<String> texts = CalibrationPrompts.load(prompts, promptCount, promptChars);
            AdaptiveDraftExit.Settings draft = AdaptiveDraftExit.Settings.paper().withMaxDraft(maxDraft);
            MeasuredSpeed objective = new MeasuredSpeed(model, texts, newTokens, draft);
            List<SkipSearch.Evaluation> previous = new ArrayList<>();
            double baseline;
            if (!fresh && Files.exists(state)) {
                JsonNode s = JSON.readTree(state.toFile());
                if (!fingerprint.equals(s.path("model_fingerprint").asText())) {
                    throw new IllegalArgumentException(state + " belongs to a search on another model; pass --fresh to start over");
                }
                for (JsonNode e : s.path("evaluations")) previous.add(evaluation(e, layers));
                baseline = s.path("baseline_tokens_per_second").asDouble();
                err.printf("search-skips: resuming from %s (%d measurements)%n", state, previous.size());
            } else {
                err.printf("search-skips: %d calibration prompts (%s), %d new tokens each; measuring plain decoding...%n",
                        texts.size(), prompts, newTokens);
                objective.baseline(); // warm-up: JIT and caches
                baseline = objective.baseline().tokensPerSecond();
            }
            err.printf("search-skips: plain decoding %.2f tok/s; searching over %d sublayers (%d layers)%n", baseline, 2 * layers, layers);
            SkipSearch.Settings settings = new SkipSearch.Settings(iterations, budget == null ? Double.MAX_VALUE : budget,
                    patience, 2.0, seed, 400);
            SkipSearch search = new SkipSearch(layers, settings, objective, previous);
            long t0 = System.nanoTime();
            final double base = baseline;
            search.run(e -> {
                SkipSearch.Evaluation best = search.best();
                err.printf("[%3d/%d] %-4s %7.2f tok/s (x%.2f, accept %.2f, tau %.2f) | best %.2f tok/s (x%.2f) | %s%n",
                        e.iteration(), iterations, e.origin(), e.measurement().tokensPerSecond(), e.measurement().tokensPerSecond() / base,
                        e.measurement().acceptance(), e.measurement().tau(), best.measurement().tokensPerSecond(),
                        best.measurement().tokensPerSecond() / base, e.skip());
                err.flush();
                saveState(state, fingerprint, base, search.history());
            });
            SkipSearch.Evaluation found = search.best();
            if (found == null) throw new IllegalStateException("no measurement was made (budget too small?)");
            // the search keeps the luckiest of noisy measurements: re-measure the winner and plain decoding
            // alternately and report medians, so the profile states a speed that can be reproduced
            err.printf("search-skips: confirming %s against plain decoding (3 alternating runs each)...%n", found.skip());
            double[] spec3 = new double[3], plain3 = new double[3];
            SkipSearch.Measurement last = null;
            for (int i = 0; i < 3; i++) {
                plain3[i] = objective.baseline().tokensPerSecond();
                last = objective.measure(found.skip());
                spec3[i] = last.tokensPerSecond();
            }
            baseline = median(plain3);
            SkipSearch.Evaluation best = new SkipSearch.Evaluation(found.iteration(), found.skip(),
                    new SkipSearch.Measurement(median(spec3), last.acceptance(), last.tau()), "confirmed");
            ObjectNode measured = JSON.createObjectNode();
            measured.put("tokens_per_second", best.measurement().tokensPerSecond());
            measured.put("ar_tokens_per_second", baseline);
            measured.put("speedup", best.measurement().tokensPerSecond() / baseline);
            measured.put("acceptance_rate", best.measurement().acceptance());
            measured.put("tau", best.measurement().tau());
            measured.put("threads", model.options().threads());
            ObjectNode searchInfo = JSON.createObjectNode();
            searchInfo.put("method", "bayesian optimisation: GP (squared-exponential on Hamming distance, noise 1e-2), UCB kappa 2");
            searchInfo.put("measurements", search.history().size());
            searchInfo.put("seconds", (System.nanoTime() - t0) / 1e9);
            searchInfo.put("prompts", prompts);
            searchInfo.put("prompt_count", texts.size());
            searchInfo.put("new_tokens", newTokens);
            searchInfo.put("max_draft", maxDraft);
            searchInfo.put("seed", seed);
            searchInfo.set("history", historyJson(search.history()));
            new SkipProfile(model.file().path().getFileName().toString(), fingerprint, layers, best.skip(), measured, searchInfo,
                    SkipProfile.machineIdentity()).save(out);
            err.printf("search-skips: best %s: %.2f tok/s vs %.2f plain (x%.2f), acceptance %.2f, tau %.2f -> %s%n",
                    best.skip(), best.measurement().tokensPerSecond(), baseline, best.measurement().tokensPerSecond() / baseline,
                    best.measurement().acceptance(), best.measurement().tau(), out);
        }
        return 0;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }

    static ArrayNode historyJson(List<SkipSearch.Evaluation> history) {
        ArrayNode a = JSON.createArrayNode();
        for (SkipSearch.Evaluation e : history) {
            ObjectNode o = a.addObject();
            o.put("iteration", e.iteration());
            o.put("origin", e.origin());
            var at = o.putArray("attention");
            for (int l : e.skip().attentionLayers()) at.add(l);
            var ml = o.putArray("mlp");
            for (int l : e.skip().mlpLayers()) ml.add(l);
            o.put("tokens_per_second", e.measurement().tokensPerSecond());
            o.put("acceptance", e.measurement().acceptance());
            o.put("tau", e.measurement().tau());
        }
        return a;
    }

    static SkipSearch.Evaluation evaluation(JsonNode e, int layers) {
        int[] a = new int[e.path("attention").size()], m = new int[e.path("mlp").size()];
        for (int i = 0; i < a.length; i++) a[i] = e.path("attention").get(i).asInt();
        for (int i = 0; i < m.length; i++) m[i] = e.path("mlp").get(i).asInt();
        return new SkipSearch.Evaluation(e.path("iteration").asInt(), SkipSet.of(layers, a, m),
                new SkipSearch.Measurement(e.path("tokens_per_second").asDouble(), e.path("acceptance").asDouble(), e.path("tau").asDouble()),
                e.path("origin").asText());
    }

    static void saveState(Path state, String fingerprint, double baseline, List<SkipSearch.Evaluation> history) {
        try {
            ObjectNode root = JSON.createObjectNode();
            root.put("model_fingerprint", fingerprint);
            root.put("baseline_tokens_per_second", baseline);
            root.set("evaluations", historyJson(history));
            Path abs = state.toAbsolutePath();
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot save search state " + state + ": " + e.getMessage(), e);
        }
    }
}

package dev.skipjack.eval;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.Decoder;
import dev.skipjack.decode.GenerationParams;
import dev.skipjack.decode.GenerationResult;
import dev.skipjack.sampling.SamplingParams;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs decoding methods over a task's prompts and measures them the way the speculative-decoding literature does
 * (batch size 1, wall clock including prefill, warm-up first): for every prompt each method generates in turn (the
 * order rotates from prompt to prompt so that neither method always runs on a warmer machine), then the outputs
 * are scored. Speedup is tokens/s over the reference method's ("ar") in the same run.
 */
public final class Evaluator {
    /** A decoding method under test. */
    public record Method(String name, Decoder decoder, String description) {
        public Method {
            Objects.requireNonNull(name);
            Objects.requireNonNull(decoder);
        }
    }

    /**
     * @param limit  prompts per task at most (examples that do not fit the context are skipped and not counted)
     * @param warmup untimed generations per method before a task's timed ones
     */
    public record Settings(int maxTokens, SamplingParams sampling, boolean ignoreEos, int limit, int warmup) {
        public Settings {
            if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
            if (limit < 1) throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
            if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
    }

    /** The smallest prompt budget worth running. */
    static final int MIN_PROMPT_TOKENS = 8;

    private final LanguageModel model;
    private final List<Method> methods;
    private final Settings settings;
    private final PrintWriter log;
    private final String modelName;

    public Evaluator(LanguageModel model, String modelName, List<Method> methods, Settings settings, PrintWriter log) {
        if (methods.isEmpty()) throw new IllegalArgumentException("no methods to evaluate");
        this.model = model;
        this.modelName = modelName;
        this.methods = List.copyOf(methods);
        this.settings = settings;
        this.log = log;
    }

    /** Tokens available to the prompt: the context less the generation budget (and one spare position). */
    public int promptBudget() {
        int ctx = Math.min(model.options().contextSize(), model.config().contextLength());
        int budget = ctx - settings.maxTokens() - 1;
        if (budget < MIN_PROMPT_TOKENS) {
            throw new IllegalArgumentException("--max-tokens " + settings.maxTokens() + " leaves no room for a prompt in the "
                    + ctx + "-token context (lower --max-tokens, or raise --ctx-size if the model allows)");
        }
        return budget;
    }

    private int[] tokenize(String text) { return model.tokenizer().encode(text, true, false); }

    private GenerationParams params(int index) {
        SamplingParams s = settings.sampling();
        SamplingParams p = s.isGreedy() ? s : new SamplingParams(s.temperature(), s.topK(), s.topP(), s.minP(), s.seed() + index);
        return new GenerationParams(settings.maxTokens(), p, settings.ignoreEos());
    }

    private record Prepared(Example example, int[] tokens) {}

    public TaskResult run(EvalTask task, List<Example> examples) {
        PromptBudget budget = new PromptBudget(t -> tokenize(t).length, promptBudget());
        List<Prepared> items = new ArrayList<>();
        int skipped = 0;
        for (Example ex : examples) {
            if (items.size() >= settings.limit()) break;
            String prompt = task.prompt(ex, budget);
            if (prompt == null) { skipped++; continue; }
            items.add(new Prepared(ex, tokenize(prompt)));
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no " + task.name() + " prompt fits in " + budget.maxTokens()
                    + " tokens (context less --max-tokens); lower --max-tokens or raise --ctx-size");
        }
        int n = items.size();
        log.printf("eval %s: %d prompts (%d skipped: too long), %d prompt tokens on average, max %d new tokens%n",
                task.name(), n, skipped, items.stream().mapToInt(p -> p.tokens().length).sum() / n, settings.maxTokens());
        log.flush();

        for (int w = 0; w < settings.warmup(); w++) {
            for (Method m : methods) model.generate(m.decoder(), items.get(w % n).tokens(), params(-1 - w), null);
        }

        Map<String, MethodResult> results = new LinkedHashMap<>();
        for (Method m : methods) results.put(m.name(), new MethodResult(m.name(), m.description()));
        GenerationResult[][] out = new GenerationResult[n][methods.size()];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < methods.size(); k++) {
                int j = (i + k) % methods.size();
                Method m = methods.get(j);
                long t0 = System.nanoTime();
                GenerationResult r = model.generate(m.decoder(), items.get(i).tokens(), params(i), null);
                double wall = (System.nanoTime() - t0) / 1e9;
                out[i][j] = r;
                results.get(m.name()).add(r, wall);
            }
            StringBuilder line = new StringBuilder();
            line.append(String.format("eval %s: prompt %d/%d (%s)", task.name(), i + 1, n, items.get(i).example().id()));
            for (MethodResult mr : results.values()) line.append(String.format(" | %s %.1f tok/s", mr.name(), mr.tokensPerSecond()));
            log.println(line);
            log.flush();
        }

        String reference = results.containsKey("ar") ? "ar" : methods.getFirst().name();
        int refIndex = indexOf(reference);
        int mismatches = 0;
        for (int i = 0; i < n; i++) {
            boolean differ = false;
            for (int j = 0; j < methods.size(); j++) {
                if (!Arrays.equals(out[i][j].tokens(), out[i][refIndex].tokens())) {
                    results.get(methods.get(j).name()).tokenMismatches++;
                    differ = true;
                }
            }
            if (differ) mismatches++;
        }

        if (!task.metrics().isEmpty()) {
            log.printf("eval %s: scoring %d outputs%n", task.name(), n * methods.size());
            log.flush();
        }
        List<TaskResult.Sample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Example ex = items.get(i).example();
            for (int j = 0; j < methods.size(); j++) {
                GenerationResult r = out[i][j];
                String answer = task.answer(r.text());
                Map<String, Double> scores = task.score(ex, answer);
                results.get(methods.get(j).name()).addQuality(scores);
                samples.add(new TaskResult.Sample(ex.id(), methods.get(j).name(), r.promptTokens(), r.tokens(), r.text(), answer,
                        r.prefillSeconds() + r.decodeSeconds(), r.finishReason(), scores));
            }
        }

        MethodResult ref = results.get(reference);
        Map<String, Double> refQuality = ref.quality(task.metrics());
        boolean qualityIdentical = true;
        for (MethodResult mr : results.values()) {
            mr.speedup = ref.tokensPerSecond() > 0 ? mr.tokensPerSecond() / ref.tokensPerSecond() : Double.NaN;
            mr.qualityIdentical = mr.quality(task.metrics()).equals(refQuality);
            qualityIdentical &= mr.qualityIdentical;
        }
        if (!results.containsKey("ar")) {
            for (MethodResult mr : results.values()) mr.speedup = Double.NaN; // speedup is defined over plain decoding only
        }
        return new TaskResult(task.name(), task.description(), modelName, task.metrics(), results, reference,
                settings.sampling().isGreedy(), n, mismatches, qualityIdentical, skipped, settings.maxTokens(),
                settings.sampling().temperature(), task.notes(), samples);
    }

    private int indexOf(String name) {
        for (int i = 0; i < methods.size(); i++) if (methods.get(i).name().equals(name)) return i;
        throw new IllegalStateException(name);
    }
}

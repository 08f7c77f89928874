package dev.skipjack.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A benchmark: where its data lives, how an example becomes a prompt, and how an output is scored. Instances
 * hold the loaded data, so make a new one per run ({@link #named}).
 */
public abstract class EvalTask {
    public static final List<String> NAMES = List.of("cnndm", "xsum", "humaneval", "mtbench", "gsm8k");

    /** A fresh task by name; HumanEval runs its tests with {@code executor}. */
    public static EvalTask named(String name, HumanEvalExecutor executor) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "cnndm", "cnn_dailymail", "cnn-dm", "cnn/dm" -> SummarizationTask.cnnDm();
            case "xsum" -> SummarizationTask.xsum();
            case "humaneval" -> new HumanEvalTask(executor);
            case "mtbench", "mt_bench", "mt-bench" -> new MtBenchTask();
            case "gsm8k" -> new Gsm8kTask();
            default -> throw new IllegalArgumentException("unknown task '" + name + "' (use one of " + String.join(", ", NAMES) + ")");
        };
    }

    public abstract String name();

    /** One line for reports: the prompt format and the metric. */
    public abstract String description();

    /** The test file relative to the datasets root. */
    abstract String testFile();

    /** Where a one-shot example comes from, relative to the datasets root (null: none). */
    String exampleFile() { return null; }

    /** Finds the data (see {@link DataLocator}) and loads it. */
    public final List<Example> load(Path dataOverride) {
        DataLocator.TaskFiles f = DataLocator.resolve(name(), testFile(), exampleFile(), dataOverride);
        List<Example> examples = load(f);
        if (examples.isEmpty()) throw new IllegalArgumentException("dataset " + f.test() + " has no records");
        return examples;
    }

    /** Reads the test examples (and whatever else the task needs) from the resolved files. */
    abstract List<Example> load(DataLocator.TaskFiles files);

    /** The prompt for one example, fitted into the budget; null when it cannot fit (the example is skipped). */
    public abstract String prompt(Example example, PromptBudget budget);

    /** The part of the raw generation that is scored (e.g. cut at the end of the first answer). */
    public String answer(String generated) { return generated; }

    /** Per-example metric values (averaged over examples for the report); empty for speed-only tasks. */
    public abstract Map<String, Double> score(Example example, String answer);

    /** The metrics {@link #score} reports, in display order. */
    public abstract List<String> metrics();

    /** Notes for the report (e.g. the one-shot example used), or "". */
    public String notes() { return ""; }

    /** The text up to (not including) the first of the markers. */
    static String cutAt(String s, String... markers) {
        int cut = s.length();
        for (String m : markers) {
            int i = s.indexOf(m);
            if (i >= 0 && i < cut) cut = i;
        }
        return s.substring(0, cut);
    }
}

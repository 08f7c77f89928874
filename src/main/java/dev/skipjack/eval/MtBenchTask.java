package dev.skipjack.eval;

import java.util.List;
import java.util.Map;

/** MT-bench, first turn only, {@code "Question: ...\nAnswer:"}: speed only (no quality metric). */
final class MtBenchTask extends EvalTask {
    @Override public String name() { return "mtbench"; }
    @Override public String description() { return "MT-bench first turns, 'Question: ...\\nAnswer:', speed only"; }
    @Override String testFile() { return "mt_bench/question.jsonl"; }

    @Override List<Example> load(DataLocator.TaskFiles files) { return Datasets.mtBench(files.test()); }

    @Override
    public String prompt(Example example, PromptBudget budget) {
        String p = "Question: " + example.input().strip() + "\nAnswer:";
        return budget.fits(p) ? p : null;
    }

    @Override public Map<String, Double> score(Example example, String answer) { return Map.of(); }

    @Override public List<String> metrics() { return List.of(); }
}

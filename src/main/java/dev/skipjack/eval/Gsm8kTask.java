package dev.skipjack.eval;

import java.util.List;
import java.util.Map;

/** GSM8K, few-shot-free: {@code "Question: ...\nAnswer:"}; accuracy of the last number in the answer. */
final class Gsm8kTask extends EvalTask {
    @Override public String name() { return "gsm8k"; }
    @Override public String description() { return "GSM8K test, 'Question: ...\\nAnswer:', accuracy of the last number in the answer"; }
    @Override String testFile() { return "gsm8k/test.jsonl"; }

    @Override List<Example> load(DataLocator.TaskFiles files) { return Datasets.gsm8k(files.test()); }

    static String format(String question) { return "Question: " + question.strip() + "\nAnswer:"; }

    @Override
    public String prompt(Example example, PromptBudget budget) {
        String p = format(example.input());
        return budget.fits(p) ? p : null;
    }

    /** The answer ends where the model starts a new question. */
    @Override public String answer(String generated) { return cutAt(generated, "\nQuestion:"); }

    @Override
    public Map<String, Double> score(Example example, String answer) {
        return Map.of("accuracy", Gsm8k.correct(answer, example.reference()) ? 1.0 : 0.0);
    }

    @Override public List<String> metrics() { return List.of("accuracy"); }
}

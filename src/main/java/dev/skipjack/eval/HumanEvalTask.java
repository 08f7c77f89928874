package dev.skipjack.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** HumanEval: the prompt as is, the completion cut at the stop sequences, pass@1 by running the tests. */
final class HumanEvalTask extends EvalTask {
    private final HumanEvalExecutor executor;
    private final Map<String, HumanEvalExecutor.Outcome> outcomes = new HashMap<>(); // by program: methods often agree

    HumanEvalTask(HumanEvalExecutor executor) {
        if (executor == null) throw new IllegalArgumentException("humaneval needs a Python executor");
        this.executor = executor;
    }

    @Override public String name() { return "humaneval"; }
    @Override public String description() {
        return "HumanEval, completion cut at stop sequences, pass@1 by executing the tests with " + executor.python()
                + " (timeout " + executor.timeout().toMillis() / 1000.0 + " s)";
    }
    @Override String testFile() { return "humaneval/HumanEval.jsonl"; }

    @Override List<Example> load(DataLocator.TaskFiles files) { return Datasets.humanEval(files.test()); }

    @Override
    public String prompt(Example example, PromptBudget budget) {
        return budget.fits(example.input()) ? example.input() : null;
    }

    @Override public String answer(String generated) { return HumanEvalExecutor.truncate(generated); }

    HumanEvalExecutor.Outcome execute(Example example, String completion) {
        String program = HumanEvalExecutor.program(example.input(), completion, example.field("test"), example.field("entry_point"));
        return outcomes.computeIfAbsent(program, executor::run);
    }

    @Override
    public Map<String, Double> score(Example example, String answer) {
        HumanEvalExecutor.Outcome o = execute(example, answer);
        if (o.status() == HumanEvalExecutor.Status.ERROR) throw new IllegalStateException("HumanEval execution failed: " + o.output());
        return Map.of("pass@1", o.passed() ? 1.0 : 0.0);
    }

    @Override public List<String> metrics() { return List.of("pass@1"); }
}

package dev.skipjack.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One-shot summarisation (CNN/DailyMail, XSum): {@code "Article: <example>\nSummary: <its summary>\n\nArticle:
 * <test article>\nSummary:"}, scored by ROUGE-1/2/L F1 of the first line of the output. The example comes from the
 * dataset's validation part when there is one (CNN/DM), else from the second half of the test file, which is then
 * left out of the test set (XSum, or a single file given with --data). Articles are cut to fit the context: the
 * example to at most 40% of the prompt budget, the test article to the rest.
 */
final class SummarizationTask extends EvalTask {
    private static final double EXAMPLE_SHARE = 0.4;
    private static final int MIN_EXAMPLE_CHARS = 300;

    private final String name, description, testFile, exampleFile;
    private Example oneShot;
    private String exampleSource = "";
    private int fittedFor = -1;
    private String examplePart; // the fitted "Article: ...\nSummary: ...\n\n", "" when zero-shot
    private boolean exampleTruncated;

    private SummarizationTask(String name, String description, String testFile, String exampleFile) {
        this.name = name;
        this.description = description;
        this.testFile = testFile;
        this.exampleFile = exampleFile;
    }

    static SummarizationTask cnnDm() {
        return new SummarizationTask("cnndm", "CNN/DailyMail (Spec-Bench's 80 test articles), one-shot from the validation set, ROUGE F1",
                "cnn_dailymail/specbench_cnndm_summarization_80.jsonl", "cnn_dailymail/cnn_dailymail_validation_subset.csv");
    }

    static SummarizationTask xsum() {
        return new SummarizationTask("xsum", "XSum test set, one-shot (example held out of the test file), ROUGE F1",
                "xsum/test.jsonl", null);
    }

    @Override public String name() { return name; }
    @Override public String description() { return description; }
    @Override String testFile() { return testFile; }
    @Override String exampleFile() { return exampleFile; }

    Example oneShot() { return oneShot; }

    @Override
    List<Example> load(DataLocator.TaskFiles files) {
        List<Example> test = new ArrayList<>(Datasets.summaries(files.test()));
        if (files.examples() != null) {
            List<Example> pool = Datasets.summaries(files.examples());
            oneShot = pickExample(pool.subList(0, Math.min(200, pool.size())));
            exampleSource = files.examples().getFileName().toString();
        } else if (test.size() > 1) {
            oneShot = pickExample(test.subList(test.size() / 2, test.size()));
            test.remove(oneShot);
            exampleSource = files.test().getFileName().toString() + " (held out of the test set)";
        }
        return test;
    }

    /** The shortest article of at least MIN_EXAMPLE_CHARS characters (so that it costs little context), else the first. */
    static Example pickExample(List<Example> pool) {
        Example best = null;
        for (Example e : pool) {
            if (e.input().strip().length() < MIN_EXAMPLE_CHARS || e.reference().isBlank()) continue;
            if (best == null || e.input().length() < best.input().length()) best = e;
        }
        return best != null ? best : pool.getFirst();
    }

    /** Summaries go on one line in the prompt (CNN/DM highlights are one sentence per line). */
    static String oneLine(String s) { return s.strip().replaceAll("\\s*\n\\s*", " "); }

    static String examplePart(String article, String summary) {
        return "Article: " + article.strip() + "\nSummary: " + oneLine(summary) + "\n\n";
    }

    static String query(String prefix, String article) { return prefix + "Article: " + article + "\nSummary:"; }

    @Override
    public String prompt(Example example, PromptBudget budget) {
        if (fittedFor != budget.maxTokens()) {
            fittedFor = budget.maxTokens();
            examplePart = "";
            exampleTruncated = false;
            if (oneShot != null) {
                String summary = oneShot.reference();
                int limit = (int) (budget.maxTokens() * EXAMPLE_SHARE);
                String article = budget.fitPrefix(oneShot.input().strip(), a -> examplePart(a, summary), limit);
                if (article != null && !article.isEmpty()) {
                    examplePart = examplePart(article, summary);
                    exampleTruncated = article.length() < oneShot.input().strip().length();
                }
            }
        }
        String prefix = examplePart;
        String article = budget.fitPrefix(example.input().strip(), a -> query(prefix, a));
        if (article == null || article.isEmpty()) return null;
        return query(prefix, article);
    }

    @Override
    public String answer(String generated) {
        String s = generated.stripLeading();
        return cutAt(s, "\n").strip();
    }

    @Override
    public Map<String, Double> score(Example example, String answer) {
        Rouge.Scores s = Rouge.score(answer, example.reference());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rouge1", s.rouge1().f1());
        m.put("rouge2", s.rouge2().f1());
        m.put("rougeL", s.rougeL().f1());
        return m;
    }

    @Override public List<String> metrics() { return List.of("rouge1", "rouge2", "rougeL"); }

    @Override
    public String notes() {
        if (oneShot == null) return "zero-shot (no example available)";
        if (fittedFor >= 0 && examplePart.isEmpty()) return "zero-shot (the example does not fit the context)";
        return "one-shot example " + oneShot.id() + " from " + exampleSource + (exampleTruncated ? " (article truncated to fit)" : "");
    }
}

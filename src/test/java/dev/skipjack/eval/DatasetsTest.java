package dev.skipjack.eval;

import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The dataset readers on the real shared files, and prompt construction. */
class DatasetsTest {
    @Test
    void csvQuotingCommasAndNewlines() {
        String csv = "article,highlights,id\r\n\"He said \"\"hi\"\", then, left.\nNew line\",\"a .\nb .\",x1\nplain,text,x2\n";
        List<Map<String, String>> r = Csv.records(csv);
        assertEquals(2, r.size());
        assertEquals("He said \"hi\", then, left.\nNew line", r.get(0).get("article"));
        assertEquals("a .\nb .", r.get(0).get("highlights"));
        assertEquals("x1", r.get(0).get("id"));
        assertEquals(Map.of("article", "plain", "highlights", "text", "id", "x2"), r.get(1));
        assertThrows(IllegalArgumentException.class, () -> Csv.rows("a,\"open"));
    }

    @Test
    void cnnDailyMailValidationCsv() {
        List<Example> e = Datasets.summaries(SharedData.dataset("cnn_dailymail/cnn_dailymail_validation_subset.csv"));
        assertEquals(1000, e.size());
        assertTrue(e.get(0).input().startsWith("(CNN)Share, and your gift will be multiplied."), e.get(0).input());
        assertTrue(e.get(0).reference().startsWith("Zully Broussard decided to give a kidney to a stranger ."));
        assertTrue(e.get(0).reference().contains("\n"));
        for (Example x : e.subList(0, 5)) {
            assertFalse(x.id().isBlank());
            assertTrue(x.input().length() > 300);
        }
    }

    @Test
    void cnnDailyMailSpecBenchJsonl() {
        List<Example> e = Datasets.summaries(SharedData.dataset("cnn_dailymail/specbench_cnndm_summarization_80.jsonl"));
        assertEquals(80, e.size());
        assertTrue(e.get(0).input().startsWith("Hillary Clinton"), "the 'Summarize:' prefix is dropped");
        assertTrue(e.get(0).reference().startsWith("Second modified, armored van spotted near Des Moines"));
        assertEquals("241", e.get(0).id());
    }

    @Test
    void xsum() {
        List<Example> e = Datasets.summaries(SharedData.dataset("xsum/test.jsonl"));
        assertEquals(1000, e.size());
        assertTrue(e.get(0).input().startsWith("The owners said their planned"));
        assertEquals("Proposals for an indoor water park and a hotel at West Midland Safari Park have been approved by councillors.",
                e.get(0).reference());
    }

    @Test
    void humanEval() {
        List<Example> e = Datasets.humanEval(SharedData.dataset("humaneval/HumanEval.jsonl"));
        assertEquals(164, e.size());
        assertEquals("HumanEval/0", e.get(0).id());
        assertEquals("has_close_elements", e.get(0).field("entry_point"));
        assertTrue(e.get(0).field("test").contains("def check(candidate)"));
        assertTrue(e.get(0).input().startsWith("from typing import List"));
        assertEquals(e.get(1).input(), Datasets.humanEval(SharedData.dataset("humaneval/HumanEval.jsonl.gz")).get(1).input());
    }

    @Test
    void gsm8kAndMtBench() {
        List<Example> g = Datasets.gsm8k(SharedData.dataset("gsm8k/test.jsonl"));
        assertEquals(1319, g.size());
        assertTrue(g.get(0).input().startsWith("Janet"));
        assertEquals(0, Gsm8k.referenceAnswer(g.get(0).reference()).compareTo(new java.math.BigDecimal(18)));
        for (Example x : g.subList(0, 20)) Gsm8k.referenceAnswer(x.reference());
        List<Example> m = Datasets.mtBench(SharedData.dataset("mt_bench/question.jsonl"));
        assertEquals(80, m.size());
        assertEquals("81", m.get(0).id());
        assertEquals("writing", m.get(0).field("category"));
        assertTrue(m.get(0).input().startsWith("Compose an engaging travel blog post about a recent trip to Hawaii"));
    }

    @Test
    void tasksFindTheirData(@TempDir Path tmp) throws Exception {
        HumanEvalExecutor exec = new HumanEvalExecutor("python3", java.time.Duration.ofSeconds(1));
        Path root = SharedData.root().resolve("datasets");
        for (String name : EvalTask.NAMES) assertFalse(EvalTask.named(name, exec).load(root).isEmpty(), name);
        // a task folder, and a single file
        assertEquals(164, EvalTask.named("humaneval", exec).load(root.resolve("humaneval")).size());
        Path one = tmp.resolve("mine.jsonl");
        Files.writeString(one, "{\"question\": \"1+1?\", \"answer\": \"#### 2\"}\n");
        assertEquals(1, EvalTask.named("gsm8k", exec).load(one).size());
        var e = assertThrows(IllegalArgumentException.class, () -> EvalTask.named("gsm8k", exec).load(tmp));
        assertTrue(e.getMessage().contains("no dataset for task 'gsm8k'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EvalTask.named("gsm8k", exec).load(tmp.resolve("missing")));
        var u = assertThrows(IllegalArgumentException.class, () -> EvalTask.named("squad", exec));
        assertTrue(u.getMessage().contains("unknown task 'squad'"), u.getMessage());
    }

    @Test
    void summarisationPromptIsOneShotAndFits() {
        SummarizationTask xsum = SummarizationTask.xsum();
        List<Example> test = xsum.load(SharedData.root().resolve("datasets"));
        assertEquals(999, test.size(), "the one-shot example is held out");
        assertFalse(test.contains(xsum.oneShot()));
        // count words as "tokens": the prompt must fit whatever the budget
        PromptBudget words = new PromptBudget(s -> s.split("\\s+").length, 150);
        String p = xsum.prompt(test.get(0), words);
        assertTrue(p.startsWith("Article: "), p);
        assertTrue(p.contains("\nSummary: " + SummarizationTask.oneLine(xsum.oneShot().reference()) + "\n\nArticle: "), p);
        assertTrue(p.endsWith("\nSummary:"), p);
        assertTrue(words.count(p) <= 150 && words.count(p) > 140, "prompt has " + words.count(p) + " words");
        String full = xsum.prompt(test.get(0), new PromptBudget(s -> s.split("\\s+").length, 100_000));
        assertTrue(full.contains(test.get(0).input().strip()), "nothing cut when it fits");
        assertTrue(p.length() < full.length());
        assertNull(xsum.prompt(test.get(0), new PromptBudget(s -> s.split("\\s+").length, 2)), "cannot fit at all");

        SummarizationTask cnn = SummarizationTask.cnnDm();
        assertEquals(80, cnn.load(SharedData.root().resolve("datasets")).size());
        assertTrue(cnn.notes().contains("cnn_dailymail_validation_subset.csv"), cnn.notes());
        assertEquals("A man was arrested.", cnn.answer("  A man was arrested.\n\nArticle: next"));
    }
}

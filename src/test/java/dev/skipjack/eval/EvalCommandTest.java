package dev.skipjack.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skipjack.cli.Main;
import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** {@code skipjack eval} end to end on the tiny stories model. */
class EvalCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    static final String STORIES = SharedData.model("stories260K/stories260K.gguf").toString();

    private static List<String> keys(JsonNode o) {
        List<String> k = new ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) k.add(it.next());
        return k;
    }

    private static void checkTask(JsonNode t, String task) {
        assertEquals(List.of("task", "model", "methods"), keys(t));
        assertEquals(task, t.get("task").asText());
        assertEquals("stories260K.gguf", t.get("model").asText());
        JsonNode ar = t.get("methods").get("ar"), self = t.get("methods").get("self");
        assertEquals(List.of("ar", "self"), keys(t.get("methods")));
        for (JsonNode m : List.of(ar, self)) {
            for (String k : List.of("tokens_per_second", "speedup", "tau", "acceptance_rate", "acceptance_by_position", "quality")) {
                assertTrue(m.has(k), k + " in " + m);
            }
            assertTrue(m.get("tokens_per_second").asDouble() > 0);
            assertTrue(m.get("tau").asDouble() > 0);
            assertTrue(m.get("quality").isObject());
            assertEquals(0, m.get("token_mismatches").asInt(), "greedy output must match plain decoding");
            assertEquals(2, m.get("prompts").asInt());
        }
        assertEquals(1.0, ar.get("speedup").asDouble(), 1e-12);
        assertTrue(self.get("speedup").asDouble() > 0);
        assertTrue(ar.get("acceptance_rate").isNull(), "plain decoding drafts nothing");
        assertEquals(ar.get("generated_tokens"), self.get("generated_tokens"));
        assertEquals(ar.get("quality"), self.get("quality"), "greedy quality must be identical across methods");
        assertTrue(self.get("drafted").asInt() > 0);
        double rate = self.get("acceptance_rate").asDouble();
        assertTrue(rate >= 0 && rate <= 1);
        assertTrue(self.get("acceptance_by_position").size() >= 1);
    }

    @Test
    void singleTaskReport(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("ev");
        Run r = run("eval", "-m", STORIES, "--task", "gsm8k", "--methods", "ar,self", "--skip", "attn=1,3;mlp=2",
                "--limit", "2", "--max-tokens", "16", "-t", "1", "-c", "512", "--out", out.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("prompt 2/2"), r.err);
        assertTrue(r.out.contains("| ar |") && r.out.contains("| self |"), r.out);
        JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        checkTask(j, "gsm8k");
        assertEquals(Set.of("accuracy"), Set.copyOf(keys(j.get("methods").get("ar").get("quality"))));
        assertTrue(Files.readString(out.resolve("report.md")).contains("| method | tok/s | speedup | tau |"));
        BufferedImage png = ImageIO.read(out.resolve("report.png").toFile());
        assertTrue(png.getWidth() > 100 && png.getHeight() > 100);
        assertEquals(4, Files.readAllLines(out.resolve("samples.jsonl")).size());
    }

    @Test
    void severalTasksInOneReport(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("ev");
        Run r = run("eval", "-m", STORIES, "--task", "cnndm,xsum,humaneval,mtbench", "--methods", "ar,self", "--skip", "attn=1,3;mlp=2",
                "--limit", "2", "--max-tokens", "16", "-t", "1", "-c", "512", "--out", out.toString());
        assertEquals(0, r.code, r.err);
        JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(List.of("tasks"), keys(j));
        assertEquals(4, j.get("tasks").size());
        checkTask(j.get("tasks").get(0), "cnndm");
        checkTask(j.get("tasks").get(1), "xsum");
        checkTask(j.get("tasks").get(2), "humaneval");
        checkTask(j.get("tasks").get(3), "mtbench");
        for (int t = 0; t < 2; t++) {
            assertEquals(Set.of("rouge1", "rouge2", "rougeL"), Set.copyOf(keys(j.get("tasks").get(t).get("methods").get("self").get("quality"))));
        }
        assertEquals(Set.of("pass@1"), Set.copyOf(keys(j.get("tasks").get(2).get("methods").get("self").get("quality"))));
        assertEquals(0, j.get("tasks").get(3).get("methods").get("self").get("quality").size());
        assertTrue(Files.readString(out.resolve("report.md")).contains("## Summary"));
        assertNotNull(ImageIO.read(out.resolve("report.png").toFile()));
    }

    @Test
    void clearErrors(@TempDir Path tmp) {
        Run task = run("eval", "-m", STORIES, "--task", "squad", "--skip", "attn=1");
        assertEquals(2, task.code);
        assertTrue(task.err.contains("unknown task 'squad'"), task.err);
        Run method = run("eval", "-m", STORIES, "--task", "gsm8k", "--methods", "ar,eagle");
        assertEquals(2, method.code);
        assertTrue(method.err.contains("unknown method 'eagle'"), method.err);
        Run skip = run("eval", "-m", STORIES, "--task", "gsm8k", "--methods", "ar,self");
        assertEquals(2, skip.code);
        assertTrue(skip.err.contains("method 'self' needs"), skip.err);
        Run data = run("eval", "-m", STORIES, "--task", "gsm8k", "--methods", "ar", "--data", tmp.resolve("nowhere").toString());
        assertEquals(2, data.code);
        assertTrue(data.err.contains("no such file or folder"), data.err);
        Run room = run("eval", "-m", STORIES, "--task", "gsm8k", "--methods", "ar", "--max-tokens", "600", "-c", "512", "--limit", "1");
        assertEquals(2, room.code);
        assertTrue(room.err.contains("leaves no room for a prompt"), room.err);
    }
}

package dev.skipjack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** search-skips end to end on the real stories model: writes a usable profile, resumes an interrupted search. */
class SearchSkipsCliTest {
    @Test
    void writesAProfileThatGenerateAcceptsAndResumes(@TempDir Path dir) throws Exception {
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "Once upon a time\n\nTom had a red ball.\n\nLily liked to play\n");
        Path out = dir.resolve("stories.skip.json");
        String[] args = {"search-skips", "-m", CliTest.STORIES, "--out", out.toString(), "--prompts", prompts.toString(),
                "--new-tokens", "12", "--iterations", "4", "-t", "1"};
        CliTest.Run r = CliTest.run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("[  4/4]"), r.err());
        JsonNode p = new ObjectMapper().readTree(out.toFile());
        assertEquals("skipjack-skip-profile/1", p.get("format").asText());
        assertEquals(5, p.get("model").get("layers").asInt());
        assertTrue(p.get("measured").get("tokens_per_second").asDouble() > 0);
        assertTrue(p.get("measured").get("ar_tokens_per_second").asDouble() > 0);
        assertEquals(4, p.get("search").get("history").size());
        assertFalse(p.get("machine").get("cpu").asText().isEmpty());
        assertTrue(p.get("skip").get("skipped_sublayers").asInt() > 0);

        // resume: two more iterations on top of the saved four
        args[args.length - 3] = "6";
        CliTest.Run again = CliTest.run(args);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("resuming") && again.err().contains("(4 measurements)"), again.err());
        assertTrue(again.err().contains("[  6/6]") && !again.err().contains("[  4/6]"), again.err());

        CliTest.Run gen = CliTest.run("generate", "-m", CliTest.STORIES, "-p", "Once upon a time", "-n", "24", "--temperature", "0",
                "--draft", "self", "--skip-profile", out.toString(), "--compare", "--json", "-t", "1");
        assertEquals(0, gen.code(), gen.err());
        JsonNode j = new ObjectMapper().readTree(gen.out());
        assertTrue(j.get("stats").get("baseline").get("identical_tokens").asBoolean());
        assertTrue(j.get("stats").get("speedup").asDouble() > 0);
        assertTrue(j.get("stats").get("tau").asDouble() >= 1.0);
    }

    @Test
    void badProfileIsAClearError(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"hello\": 1}");
        CliTest.Run r = CliTest.run("generate", "-m", CliTest.STORIES, "-p", "hi", "--draft", "self", "--skip-profile", bad.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a skip profile"), r.err());
        CliTest.Run both = CliTest.run("generate", "-m", CliTest.STORIES, "-p", "hi", "--draft", "self", "--skip", "attn=1",
                "--skip-profile", bad.toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("not both"), both.err());
        CliTest.Run badLayer = CliTest.run("generate", "-m", CliTest.STORIES, "-p", "hi", "--draft", "self", "--skip", "attn=9");
        assertEquals(2, badLayer.code());
    }
}

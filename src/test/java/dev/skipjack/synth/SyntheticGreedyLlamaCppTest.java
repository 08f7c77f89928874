package dev.skipjack.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.model.Batch;
import dev.skipjack.model.ForwardResult;
import dev.skipjack.model.Session;
import dev.skipjack.model.Transformer;
import dev.skipjack.tensor.Parallel;
import dev.skipjack.tokenizer.Tokenizer;
import dev.skipjack.tokenizer.Vocabulary;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Greedy continuations of synthetic models (real Llama 3 / Qwen vocabularies, random weights) against llama.cpp's
 * llama-completion on the very same files: the prompt tokens (BOS rule, special tokens) and 16 greedy tokens' text.
 * Expectations: src/test/resources/dev/skipjack/synth/greedy-*.json; vocabularies from scripts/fetch-vocabs.sh.
 */
class SyntheticGreedyLlamaCppTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"greedy-llama-llama3-s11.json", "greedy-llama-llama3-s12.json", "greedy-qwen2-qwen3-s13.json",
            "greedy-qwen3-qwen3-s14.json"})
    void greedyTextMatchesLlamaCpp(String resource) throws IOException {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream(resource)) {
            assertNotNull(in, "missing resource " + resource);
            root = JSON.readTree(in);
        }
        SyntheticSetups.ModelSetup setup = SyntheticSetups.ModelSetup.fromJson(JSON, root.get("model"));
        TokenizerSpec spec = SyntheticSetups.vocab(setup.vocab());
        Assumptions.assumeTrue(spec != null, "vocabulary " + setup.vocab() + " not fetched (scripts/fetch-vocabs.sh)");
        Path file = setup.builder(spec).write(tmp.resolve("model.gguf"));
        List<String> failures = new ArrayList<>();
        int agreeing = 0, total = 0;
        try (GgufFile f = GgufFile.open(file); Parallel pool = new Parallel(2)) {
            Transformer model = new Transformer(f, pool);
            Tokenizer tok = Tokenizer.from(f);
            Vocabulary vocab = tok.vocabulary();
            for (JsonNode c : root.get("cases")) {
                String prompt = c.get("prompt").asText();
                int[] expectedPrompt = ints(c.get("prompt_ids"));
                int[] promptIds = tok.encode(prompt, true, true);
                if (!Arrays.equals(expectedPrompt, promptIds)) {
                    failures.add("prompt tokens of " + JSON.writeValueAsString(prompt) + ": llama.cpp " + Arrays.toString(expectedPrompt)
                            + " ours " + Arrays.toString(promptIds));
                    continue;
                }
                String expected = c.get("text").asText();
                int n = c.get("n_predict").asInt();
                Session s = model.newSession(promptIds.length + n + 1);
                ForwardResult r = s.forward(Batch.lastOnly(promptIds, 0));
                ByteArrayOutputStream text = new ByteArrayOutputStream();
                int pos = promptIds.length, matched = 0;
                boolean stillMatching = true;
                for (int i = 0; i < n; i++) {
                    int next = r.argmax(0);
                    // llama-completion -sp prints control tokens as their text
                    text.writeBytes(vocab.type(next) == Vocabulary.CONTROL ? vocab.token(next).getBytes(StandardCharsets.UTF_8) : tok.tokenBytes(next));
                    boolean eog = vocab.isEndOfGeneration(next);
                    if (eog) text.writeBytes(" [end of text]".getBytes(StandardCharsets.UTF_8));
                    // a token may end inside a UTF-8 sequence: compare without the trailing replacement characters
                    String sofar = text.toString(StandardCharsets.UTF_8).replaceAll("\uFFFD+$", "");
                    stillMatching &= expected.startsWith(sofar);
                    if (stillMatching) matched++;
                    if (eog) break;
                    r = s.forward(Batch.lastOnly(new int[]{next}, pos++));
                }
                String ours = text.toString(StandardCharsets.UTF_8);
                agreeing += matched;
                total += n;
                if (!ours.equals(expected)) {
                    failures.add(JSON.writeValueAsString(prompt) + ":\n  llama.cpp " + JSON.writeValueAsString(expected)
                            + "\n  ours      " + JSON.writeValueAsString(ours));
                }
            }
        }
        System.out.println(resource + ": " + agreeing + "/" + total + " greedy tokens agree with llama.cpp");
        assertTrue(failures.isEmpty(), resource + ":\n" + String.join("\n", failures));
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}

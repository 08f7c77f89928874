package dev.skipjack.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skipjack.synth.SyntheticSetups;
import dev.skipjack.synth.TokenizerSpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Byte-level BPE against llama.cpp: the token ids llama.cpp's llama-tokenize gave for a varied corpus (stored in
 * src/test/resources/dev/skipjack/tokenizer/bpe-*.json, see the README there), with and without special-token
 * parsing, for the Llama 3 and Qwen vocabularies and the pre-tokenizers llama.cpp selects by name (the Qwen vocabulary
 * also stands in for SmolLM's, GPT-2's and the default pre-tokenizer). The vocabularies come from
 * scripts/fetch-vocabs.sh; without them the test is skipped.
 */
class BpeLlamaCppAgreementTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bpe-llama3-llama-bpe.json", "bpe-qwen3-qwen2.json", "bpe-qwen3-smollm.json",
            "bpe-qwen3-gpt-2.json", "bpe-qwen3-default.json", "bpe-llama3-qwen35.json"})
    void agreesWithLlamaCpp(String resource) throws IOException {
        JsonNode root = read(resource);
        TokenizerSpec spec = SyntheticSetups.vocab(root.get("vocab").asText());
        Assumptions.assumeTrue(spec != null, "vocabulary " + root.get("vocab").asText() + " not fetched (scripts/fetch-vocabs.sh)");
        spec = spec.withPre(root.get("pre").asText());
        Tokenizer tok = tokenizer(spec);
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (JsonNode c : root.get("cases")) {
            String text = c.get("text").asText();
            check(failures, "parse_special", text, ints(c.get("ids")), tok.encode(text, false, true));
            check(failures, "no_parse_special", text, ints(c.get("ids_no_parse_special")), tok.encode(text, false, false));
            n++;
            // decoding the plain-text tokens gives the text back
            byte[] expect = text.getBytes(StandardCharsets.UTF_8);
            assertEquals(new String(expect, StandardCharsets.UTF_8), tok.decode(tok.encode(text, false, false)),
                    "round trip of " + JSON.writeValueAsString(text));
        }
        check(failures, "with BOS", root.get("bos_text").asText(), ints(root.get("bos_ids")),
                tok.encode(root.get("bos_text").asText(), true, true));
        assertTrue(failures.isEmpty(), resource + ": " + failures.size() + " of " + (2 * n + 1) + " differ from llama.cpp:\n"
                + String.join("\n", failures));
    }

    /** The tokenizer of a vocabulary, as a GGUF file with it would give (SyntheticGreedyLlamaCppTest goes through the file). */
    static BpeTokenizer tokenizer(TokenizerSpec spec) {
        int[] types = spec.types();
        Vocabulary v = new Vocabulary(spec.model(), spec.pre(), spec.tokens().toArray(new String[0]), new float[types.length],
                types, spec.bos(), spec.eos(), -1, -1, spec.addBos(), false, false);
        return new BpeTokenizer(v, spec.merges(), spec.addBos());
    }

    private static void check(List<String> failures, String mode, String text, int[] expected, int[] actual) throws IOException {
        if (!Arrays.equals(expected, actual)) {
            failures.add(mode + " " + JSON.writeValueAsString(text) + "\n  llama.cpp " + Arrays.toString(expected)
                    + "\n  ours      " + Arrays.toString(actual));
        }
    }

    static JsonNode read(String resource) throws IOException {
        try (InputStream in = BpeLlamaCppAgreementTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, "missing test resource " + resource);
            return JSON.readTree(in);
        }
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}

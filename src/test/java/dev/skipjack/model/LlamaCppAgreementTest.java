package dev.skipjack.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.GenerationParams;
import dev.skipjack.decode.GenerationResult;
import dev.skipjack.sampling.SamplingParams;
import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Greedy text against llama.cpp's own (reference/llamacpp.json). llama.cpp rounds activations to the weight type
 * for F16/BF16/quantised files, so only F32 must agree exactly; for the others the number of agreeing tokens is
 * reported as information.
 */
class LlamaCppAgreementTest {
    @Test
    void greedyTextAgreesWithLlamaCpp() throws Exception {
        List<String> report = new ArrayList<>();
        for (String dir : new String[]{"stories260K", "pycode-5m"}) {
            JsonNode all = new ObjectMapper().readTree(SharedData.model(dir + "/reference/llamacpp.json").toFile());
            for (var it = all.fields(); it.hasNext(); ) {
                var e = it.next();
                try (LanguageModel m = LanguageModel.load(SharedData.model(dir + "/" + e.getKey()), new LanguageModel.Options(2, 512))) {
                    for (JsonNode c : e.getValue()) {
                        String want = c.get("text").asText();
                        int n = c.get("tokens").asInt();
                        GenerationResult r = m.generate(c.get("prompt").asText(), new GenerationParams(n, SamplingParams.greedy(), true), null);
                        // how many of our tokens produce text that is still a prefix of llama.cpp's
                        int agree = 0;
                        StringBuilder sb = new StringBuilder();
                        for (int t : r.tokens()) {
                            sb.append(new String(m.tokenizer().tokenBytes(t), java.nio.charset.StandardCharsets.UTF_8));
                            if (!want.startsWith(sb.toString())) break;
                            agree++;
                        }
                        report.add(String.format("%-26s %-36s %d/%d tokens agree with llama.cpp", e.getKey(),
                                c.get("prompt").asText().replace("\n", "\\n"), agree, n));
                        if (e.getKey().contains("f32") || dir.equals("stories260K")) {
                            assertEquals(want, r.text(), e.getKey() + " / " + c.get("prompt").asText());
                        }
                    }
                }
            }
        }
        report.forEach(System.out::println);
    }
}

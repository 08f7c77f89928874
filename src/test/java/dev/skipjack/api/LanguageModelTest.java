package dev.skipjack.api;

import dev.skipjack.decode.GenerationParams;
import dev.skipjack.decode.GenerationResult;
import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The library API as a Java developer uses it: load, tokenize, generate with a per-token callback. */
class LanguageModelTest {
    @Test
    void loadTokenizeGenerateWithCallback() {
        try (LanguageModel m = LanguageModel.load(SharedData.model("stories260K/stories260K.gguf"))) {
            assertArrayEquals(new int[]{1, 403, 407, 261, 378}, m.tokenize("Once upon a time"));
            assertEquals(" Once upon a time", m.detokenize(new int[]{403, 407, 261, 378}));
            List<Integer> ids = new ArrayList<>();
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = m.generate("Once upon a time", GenerationParams.greedy(16), (id, text) -> {
                if (id >= 0) ids.add(id);
                streamed.append(text);
            });
            assertEquals(16, r.tokens().length);
            assertEquals(ids, java.util.Arrays.stream(r.tokens()).boxed().toList(), "callback sees every token in order");
            assertEquals(r.text(), streamed.toString(), "streamed pieces add up to the text");
            assertTrue(r.text().startsWith(", there was a little girl named Lily."), r.text());
            assertEquals("length", r.finishReason());
        }
    }

    @Test
    void stopsAtEndOfText() {
        try (LanguageModel m = LanguageModel.load(SharedData.model("stories260K/stories260K.gguf"), new LanguageModel.Options(1, 512))) {
            GenerationResult r = m.generate("Once upon a time", GenerationParams.greedy(600), null);
            // the story ends (EOS) or the context runs out; either way generation stops cleanly
            assertTrue(r.finishReason().equals("stop") || r.finishReason().equals("context"), r.finishReason());
            for (int t : r.tokens()) assertNotEquals(m.tokenizer().vocabulary().eos(), t);
        }
    }
}

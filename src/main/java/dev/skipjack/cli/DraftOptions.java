package dev.skipjack.cli;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.AutoregressiveDecoder;
import dev.skipjack.decode.Decoder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** How tokens are drafted: none (plain decoding) or self (layer-skip self-speculation). */
final class DraftOptions {
    @Option(names = "--draft", defaultValue = "none", paramLabel = "none|self",
            description = "Drafting method: none (plain decoding) or self (the model with sublayers skipped). Default: ${DEFAULT-VALUE}.")
    String method;

    @Mixin SelfDraftOptions self;

    Decoder decoder(LanguageModel model, PrintWriter err) {
        switch (method) {
            case "none" -> {
                if (self.given()) throw new IllegalArgumentException("--skip-profile/--skip need --draft self");
                self.settings(); // validates the options even when unused
                return new AutoregressiveDecoder(model.tokenizer());
            }
            case "self" -> {
                return self.decoder(model, err);
            }
            default -> throw new IllegalArgumentException("unknown --draft '" + method + "' (use none or self)");
        }
    }
}

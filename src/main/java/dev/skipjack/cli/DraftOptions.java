package dev.skipjack.cli;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.AutoregressiveDecoder;
import dev.skipjack.decode.Decoder;
import dev.skipjack.draft.OnlineSkipDrafter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** How tokens are drafted: none (plain decoding) or self (layer-skip self-speculation). */
final class DraftOptions {
    @Option(names = "--draft", defaultValue = "none", paramLabel = "none|self|online",
            description = "Drafting method: none (plain decoding), self (the model with a searched set of sublayers skipped) or"
                    + " online (self, with the skip set learned while decoding). Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--skip-ratio", defaultValue = "0.4", description = "For --draft online: fraction of the sublayers the draft skips (default: ${DEFAULT-VALUE}).")
    double skipRatio;

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
            case "online" -> {
                if (self.given()) throw new IllegalArgumentException("--draft online learns its own skip set; drop --skip-profile/--skip");
                OnlineSkipDrafter.Settings d = OnlineSkipDrafter.Settings.defaults();
                return model.onlineSpeculative(new OnlineSkipDrafter.Settings(skipRatio, d.window(), d.roundsPerTrial(), d.maxTrials(),
                        d.targetAgreement(), d.seed()), self.settings());
            }
            default -> throw new IllegalArgumentException("unknown --draft '" + method + "' (use none, self or online)");
        }
    }
}

package dev.skipjack.cli;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.draft.SkipProfile;
import dev.skipjack.search.ProfileSearch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code skipjack search-skips}: Bayesian optimisation of the self-speculative skip set, measured on this machine. */
@Command(name = "search-skips", mixinStandardHelpOptions = true,
        description = "Find the attention/MLP sublayers to skip when drafting, by Bayesian optimisation of measured speed.")
final class SearchSkipsCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Skip profile to write (JSON).")
    Path out;

    @Option(names = "--prompts", defaultValue = "cnndm+xsum", paramLabel = "SOURCE",
            description = "Calibration prompts: cnndm+xsum (default), cnndm, xsum, humaneval, gsm8k, mtbench, or a .jsonl/.txt file.")
    String prompts;

    @Option(names = "--prompt-count", defaultValue = "8", description = "Calibration prompts (default: ${DEFAULT-VALUE}).")
    int promptCount;

    @Option(names = "--prompt-chars", defaultValue = "1500", description = "Longest calibration prompt text in characters (default: ${DEFAULT-VALUE}).")
    int promptChars;

    @Option(names = "--new-tokens", defaultValue = "32", description = "Tokens generated per prompt per measurement (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--iterations", defaultValue = "40", description = "Measurements at most, seeds included (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--budget", paramLabel = "SECONDS", description = "Stop after this many seconds (default: no limit).")
    Double budget;

    @Option(names = "--patience", defaultValue = "12", description = "Stop when the best speed has not improved by 1% for this many iterations; 0 = never (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed of the search (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-draft", defaultValue = "12", description = "Longest draft while measuring (default: ${DEFAULT-VALUE}).")
    int maxDraft;

    @Option(names = "--fresh", description = "Ignore a saved search state and start over (by default an interrupted search resumes).")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path state = out.resolveSibling(out.getFileName() + ".state.json");
        try (LanguageModel model = common.load()) {
            ProfileSearch.Options o = new ProfileSearch.Options(prompts, promptCount, promptChars, newTokens, iterations, budget,
                    patience, seed, maxDraft, fresh);
            SkipProfile profile = ProfileSearch.run(model, o, state, err);
            profile.save(out);
            err.printf("search-skips: wrote %s%n", out);
        }
        return 0;
    }
}

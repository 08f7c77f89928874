package dev.skipjack.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.AutoregressiveDecoder;
import dev.skipjack.decode.DecodeStats;
import dev.skipjack.decode.Decoder;
import dev.skipjack.decode.GenerationParams;
import dev.skipjack.decode.GenerationResult;
import dev.skipjack.decode.TokenListener;
import dev.skipjack.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code skipjack generate}: continue a prompt, streaming text (or one JSON object with --json). */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = {"-f", "--prompt-file"}, paramLabel = "FILE", description = "Read the prompt from a file.")
    Path promptFile;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Keep the k most likely tokens, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus sampling mass, 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Drop tokens below min-p x the top probability, 0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--seed", description = "Random seed for sampling (default: random).")
    Long seed;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-generation tokens.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print one JSON object (text, tokens, stats) on stdout; logs go to stderr.")
    boolean json;

    @Mixin DraftOptions draft;

    static final int WARMUP_ROUNDS = 20;
    static final long WARMUP_NANOS = 1_500_000_000L;

    @Option(names = "--compare", description = "Also run plain decoding on the same prompt and report the speedup.")
    boolean compare;

    @Override
    public Integer call() throws Exception {
        if ((prompt == null) == (promptFile == null)) throw new IllegalArgumentException("give exactly one of --prompt or --prompt-file");
        String text = prompt != null ? prompt : Files.readString(promptFile, StandardCharsets.UTF_8);
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        long s = seed != null ? seed : System.nanoTime();
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, minP, s);
        GenerationParams params = new GenerationParams(maxTokens, sampling, ignoreEos);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (LanguageModel model = common.load()) {
            int[] tokens = model.tokenize(text);
            err.printf("skipjack: %s (%s, %d layers, dim %d), %d prompt tokens, %d threads%n",
                    model.file().path().getFileName(), model.config().architecture(), model.config().layers(),
                    model.config().dim(), tokens.length, model.options().threads());
            TokenListener listener = json ? TokenListener.NONE : (id, piece) -> { out.print(piece); out.flush(); };
            Decoder decoder = draft.decoder(model, err);
            if (compare) {
                // Untimed warm-up of both decoders, so that neither pays for JIT compilation in the comparison: a
                // short run compiles little (C2 waits for ~10^4 calls), so rounds repeat for a second or so. On large
                // models one round is enough, as each call already loops long enough to be compiled.
                GenerationParams warm = new GenerationParams(Math.min(32, maxTokens), sampling, ignoreEos);
                long start = System.nanoTime();
                for (int round = 0; round < WARMUP_ROUNDS && (round == 0 || System.nanoTime() - start < WARMUP_NANOS); round++) {
                    model.generate(new AutoregressiveDecoder(model.tokenizer()), tokens, warm, null);
                    model.generate(decoder, tokens, warm, null);
                }
            }
            GenerationResult r = model.generate(decoder, tokens, params, listener);
            GenerationResult baseline = null;
            if (compare) baseline = model.generate(new AutoregressiveDecoder(model.tokenizer()), tokens, params, null);
            if (json) {
                out.println(toJson(r, baseline));
            } else {
                out.println();
                err.printf("skipjack: %d prompt tokens in %.3f s, %d tokens generated at %.2f tok/s (%s)%n",
                        r.promptTokens(), r.prefillSeconds(), r.tokens().length, r.decodeTokensPerSecond(), r.finishReason());
                if (r.stats().drafted > 0 || !(decoder instanceof AutoregressiveDecoder)) {
                    err.printf("skipjack: %d target forwards, tau %.2f, %d drafted, %d accepted (%.1f%%), draft %.3f s, verify %.3f s%n",
                            r.stats().targetForwards, r.stats().tau(r.tokens().length), r.stats().drafted, r.stats().accepted,
                            100 * r.stats().acceptanceRate(), r.stats().draftSeconds, r.stats().verifySeconds);
                }
                if (baseline != null) {
                    err.printf("skipjack: plain decoding %.2f tok/s, speedup %.3fx%n", baseline.decodeTokensPerSecond(),
                            speedup(r, baseline));
                }
            }
        }
        return 0;
    }

    static ObjectNode statsJson(ObjectMapper m, GenerationResult r) {
        ObjectNode stats = m.createObjectNode();
        stats.put("prompt_tokens", r.promptTokens());
        stats.put("generated_tokens", r.tokens().length);
        stats.put("prefill_seconds", r.prefillSeconds());
        stats.put("decode_seconds", r.decodeSeconds());
        stats.put("decode_tokens_per_second", r.decodeTokensPerSecond());
        stats.put("finish_reason", r.finishReason());
        return stats;
    }

    /** Wall-clock speedup including prefill, over the same number of tokens. */
    static double speedup(GenerationResult r, GenerationResult baseline) {
        double a = (r.prefillSeconds() + r.decodeSeconds()) / Math.max(1, r.tokens().length);
        double b = (baseline.prefillSeconds() + baseline.decodeSeconds()) / Math.max(1, baseline.tokens().length);
        return a > 0 ? b / a : 0;
    }

    static String toJson(GenerationResult r, GenerationResult baseline) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("text", r.text());
        var arr = root.putArray("tokens");
        for (int t : r.tokens()) arr.add(t);
        ObjectNode stats = statsJson(m, r);
        DecodeStats d = r.stats();
        stats.put("target_forwards", d.targetForwards);
        stats.put("drafted", d.drafted);
        stats.put("accepted", d.accepted);
        stats.put("acceptance_rate", d.acceptanceRate());
        stats.put("tau", d.tau(r.tokens().length));
        stats.put("draft_seconds", d.draftSeconds);
        stats.put("verify_seconds", d.verifySeconds);
        var byPos = stats.putArray("acceptance_by_position");
        for (double a : d.acceptanceByPosition()) byPos.add(a);
        if (baseline != null) {
            ObjectNode b = stats.putObject("baseline");
            b.put("decode_tokens_per_second", baseline.decodeTokensPerSecond());
            b.put("prefill_seconds", baseline.prefillSeconds());
            b.put("decode_seconds", baseline.decodeSeconds());
            b.put("generated_tokens", baseline.tokens().length);
            b.put("identical_tokens", java.util.Arrays.equals(baseline.tokens(), r.tokens()));
            stats.put("speedup", speedup(r, baseline));
        }
        root.set("stats", stats);
        return m.writeValueAsString(root);
    }
}

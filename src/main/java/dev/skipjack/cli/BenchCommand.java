package dev.skipjack.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skipjack.api.LanguageModel;
import dev.skipjack.gguf.GgmlType;
import dev.skipjack.gguf.TensorInfo;
import dev.skipjack.model.Batch;
import dev.skipjack.model.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code skipjack bench}: whole-model speed. Prefill tokens/s over a 512-token prompt, decode tokens/s (from an empty
 * context by default, as llama-bench's tg figure), and the
 * verification cost curve T(k)/T(1): the wall time of one forward pass over k new tokens on top of a 512-token
 * context, relative to one token. Speculative decoding pays only where T(k)/T(1) stays well below k.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure prefill, decode and the verification cost curve T(k)/T(1).")
final class BenchCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--prompt-tokens", defaultValue = "512", description = "Context length for prefill and T(k) (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "32", description = "Tokens decoded per decode run (default: ${DEFAULT-VALUE}).")
    int decodeTokens;

    @Option(names = "--decode-depth", defaultValue = "0", description = "Tokens already in the context when a decode run "
            + "starts: 0 like llama-bench's tg figure (default: ${DEFAULT-VALUE}); at most --prompt-tokens.")
    int decodeDepth;

    /** Untimed warm-up per figure: enough for C2 to compile a small model's kernels, negligible on a large one. */
    static final long WARMUP_NANOS = 300_000_000L;

    @Option(names = "--repetitions", defaultValue = "5", description = "Runs per figure; medians are reported (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--k", split = ",", defaultValue = "1,2,4,8,16,32", description = "Batch sizes of the cost curve (default: ${DEFAULT-VALUE}).")
    int[] ks;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (promptTokens < 1 || decodeTokens < 1 || repetitions < 1) throw new IllegalArgumentException("bench sizes must be positive");
        if (decodeDepth < 0 || decodeDepth > promptTokens) {
            throw new IllegalArgumentException("--decode-depth must be between 0 and --prompt-tokens (" + promptTokens + "), got " + decodeDepth);
        }
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        int maxK = Arrays.stream(ks).max().orElse(1);
        if (Arrays.stream(ks).anyMatch(k -> k < 1)) throw new IllegalArgumentException("--k values must be >= 1");
        common.contextSize = Math.max(common.contextSize, promptTokens + Math.max(maxK, decodeTokens) + 1);
        try (LanguageModel model = common.load()) {
            int vocab = model.config().vocabSize();
            int room = model.config().contextLength() - Math.max(maxK, decodeTokens) - 1;
            if (promptTokens > room) {
                if (room < 16) throw new IllegalArgumentException("the model's context (" + model.config().contextLength() + ") is too short for this bench");
                err.printf("bench: the model's context is %d tokens: using a %d-token prompt instead of %d%n",
                        model.config().contextLength(), room, promptTokens);
                promptTokens = room;
                decodeDepth = Math.min(decodeDepth, promptTokens);
            }
            SplittableRandom rnd = new SplittableRandom(1);
            int[] prompt = rnd.ints(promptTokens, 0, vocab).toArray();
            Session s = model.newSession();
            err.printf("bench: %s, %d threads; warming up...%n", model.file().path().getFileName(), model.options().threads());
            // one untimed prefill of the whole prompt, as llama-bench warms up: with a shorter one the first timed run
            // still compiled its kernels (1B Q4_K: 65-69 against 72-74 tok/s in the runs after)
            s.forward(Batch.lastOnly(prompt, 0));
            s.cache().truncate(0);

            double[] prefill = new double[repetitions];
            for (int r = 0; r < repetitions; r++) {
                s.cache().truncate(0);
                long t0 = System.nanoTime();
                s.forward(Batch.lastOnly(prompt, 0));
                prefill[r] = promptTokens / ((System.nanoTime() - t0) / 1e9);
                err.printf("bench: prefill run %d/%d: %.1f tok/s%n", r + 1, repetitions, prefill[r]);
            }
            // s now holds the 512-token context; warm the single-token path before timing it
            long warmStart = System.nanoTime();
            for (int i = 0; i < 8 || System.nanoTime() - warmStart < WARMUP_NANOS; i++) {
                s.forward(Batch.lastOnly(new int[]{prompt[i % promptTokens]}, promptTokens));
                s.cache().truncate(promptTokens);
            }
            // Batch sizes take turns, in the warm-up and in the timed passes: each size has its own kernel paths, and
            // timing one size after warming only some others let C2 recompile under the clock (timed one after another,
            // 1B Q4_K T(1) came out 139-166 ms against 114 warm; warmed all first, SmolLM2 F16 T(1) 29-38 ms, T(2) 27).
            int[][] batches = new int[ks.length][];
            for (int i = 0; i < ks.length; i++) batches[i] = rnd.ints(ks[i], 0, vocab).toArray();
            long warmK = System.nanoTime();
            for (int round = 0; round < 2 || System.nanoTime() - warmK < WARMUP_NANOS * ks.length; round++) {
                for (int[] tokens : batches) {
                    s.cache().truncate(promptTokens);
                    s.forward(Batch.causal(tokens, promptTokens));
                }
            }
            double[][] times = new double[ks.length][repetitions];
            for (int r = 0; r < repetitions; r++) {
                for (int i = 0; i < ks.length; i++) {
                    s.cache().truncate(promptTokens);
                    long t0 = System.nanoTime();
                    s.forward(Batch.causal(batches[i], promptTokens)); // verification: logits for every token
                    times[i][r] = (System.nanoTime() - t0) / 1e9;
                }
            }
            Map<Integer, Double> t = new TreeMap<>();
            for (int i = 0; i < ks.length; i++) {
                t.put(ks[i], median(times[i]));
                err.printf("bench: T(%d) = %.2f ms%n", ks[i], 1000 * t.get(ks[i]));
            }
            double[] decode = new double[repetitions];
            // last: decoding at a shallow depth overwrites the prompt's context that the cost curve needs. Untimed runs
            // first (one, or more on a small model): after the cost curve's batched passes, 1B Q4_K's timed runs rose
            // 9.75 -> 10.22 -> 11.37 tok/s while C2 settled on this path.
            long warmDecode = System.nanoTime();
            do decodeSeconds(s, prompt); while (System.nanoTime() - warmDecode < WARMUP_NANOS);
            for (int r = 0; r < repetitions; r++) {
                decode[r] = decodeTokens / decodeSeconds(s, prompt);
                err.printf("bench: decode run %d/%d: %.2f tok/s%n", r + 1, repetitions, decode[r]);
            }
            double t1 = t.getOrDefault(1, Double.NaN);
            Map<String, long[]> types = tensorTypes(model);
            ObjectMapper m = new ObjectMapper();
            ObjectNode root = m.createObjectNode();
            root.put("model", model.file().path().getFileName().toString());
            root.put("decode_tokens_per_second", median(decode));
            root.put("decode_depth", decodeDepth);
            root.put("prefill_tokens_per_second", median(prefill));
            ObjectNode ratio = root.putObject("verify_cost_ratio");
            ObjectNode ms = root.putObject("verify_ms");
            for (var e : t.entrySet()) {
                ratio.put(String.valueOf(e.getKey()), e.getValue() / t1);
                ms.put(String.valueOf(e.getKey()), 1000 * e.getValue());
            }
            root.put("threads", model.options().threads());
            root.put("weights", model.file().residency());
            ObjectNode tt = root.putObject("tensor_types");
            for (var e : types.entrySet()) {
                ObjectNode o = tt.putObject(e.getKey());
                o.put("tensors", e.getValue()[0]);
                o.put("bytes", e.getValue()[1]);
            }
            root.put("prompt_tokens", promptTokens);
            root.put("repetitions", repetitions);
            if (json) {
                out.println(m.writeValueAsString(root));
            } else {
                out.printf("model            %s (%s, %d layers, dim %d)%n", root.get("model").asText(), model.config().architecture(),
                        model.config().layers(), model.config().dim());
                StringBuilder tl = new StringBuilder();
                types.forEach((k, v) -> tl.append(k).append(" (").append(v[0]).append(" tensors, ")
                        .append(String.format("%.1f MB", v[1] / 1e6)).append(") "));
                out.printf("tensor types     %s%n", tl.toString().trim());
                out.printf("weights          %s%n", model.file().residency());
                out.printf("threads          %d%n", model.options().threads());
                out.printf("prefill          %.1f tok/s (%d-token prompt, median of %d)%n", median(prefill), promptTokens, repetitions);
                out.printf("decode           %.2f tok/s (%d tokens after %d of context, median of %d)%n", median(decode),
                        decodeTokens, decodeDepth, repetitions);
                out.printf("%n  k   T(k) ms   T(k)/T(1)   tokens/s%n");
                for (var e : t.entrySet()) {
                    out.printf("%3d  %8.2f   %9.2f   %8.1f%n", e.getKey(), 1000 * e.getValue(), e.getValue() / t1, e.getKey() / e.getValue());
                }
            }
        }
        return 0;
    }

    static Map<String, long[]> tensorTypes(LanguageModel model) {
        Map<String, long[]> types = new TreeMap<>();
        for (TensorInfo ti : model.file().tensors().values()) {
            GgmlType ty = ti.type();
            long[] c = types.computeIfAbsent(ty.name(), x -> new long[2]);
            c[0]++;
            c[1] += ti.byteSize();
        }
        return types;
    }

    /** Wall time of one decode run: decodeTokens greedy tokens after the prompt's first decodeDepth tokens. */
    private double decodeSeconds(Session s, int[] prompt) {
        s.cache().truncate(decodeDepth); // the prompt's first decodeDepth tokens stay as context
        int token = prompt[Math.max(0, decodeDepth - 1)];
        long t0 = System.nanoTime();
        for (int i = 0; i < decodeTokens; i++) token = s.forward(Batch.lastOnly(new int[]{token}, decodeDepth + i)).argmax(0);
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}

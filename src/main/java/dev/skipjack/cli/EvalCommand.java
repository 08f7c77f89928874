package dev.skipjack.cli;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.AutoregressiveDecoder;
import dev.skipjack.draft.AdaptiveDraftExit;
import dev.skipjack.eval.EvalTask;
import dev.skipjack.eval.Evaluator;
import dev.skipjack.eval.Example;
import dev.skipjack.eval.HumanEvalExecutor;
import dev.skipjack.eval.MethodResult;
import dev.skipjack.eval.Reports;
import dev.skipjack.eval.TaskResult;
import dev.skipjack.model.SkipSet;
import dev.skipjack.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code skipjack eval}: speed (tokens/s, speedup, tau, acceptance) and quality (ROUGE, pass@1, accuracy) of
 * decoding methods on standard benchmarks, with a check that greedy speculative output equals plain decoding.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark decoding methods (plain 'ar' vs self-speculative 'self') on cnndm, xsum, humaneval, mtbench, gsm8k.",
                "Prints a markdown report on stdout, progress on stderr; --out DIR also writes report.md, report.json, report.png, samples.jsonl."})
final class EvalCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--task", required = true, paramLabel = "TASK[,TASK...]",
            description = "Benchmarks, comma-separated: cnndm, xsum, humaneval, mtbench, gsm8k.")
    String tasks;

    @Option(names = "--methods", defaultValue = "ar,self", paramLabel = "M[,M...]",
            description = "Decoding methods: ar (plain autoregressive), self (layer-skip self-speculative). Default: ${DEFAULT-VALUE}.")
    String methods;

    @Mixin SelfDraftOptions selfDraft;

    @Option(names = "--limit", paramLabel = "N", description = "Prompts per task at most (default: the whole test set).")
    Integer limit;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Tokens to generate per prompt at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--out", paramLabel = "DIR", description = "Write report.md, report.json, report.png and samples.jsonl here.")
    Path out;

    @Option(names = "--data", paramLabel = "PATH",
            description = "Dataset location: a datasets root, a task's folder, or the test file (default: the shared datasets folder).")
    Path data;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy, where outputs must match across methods (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Top-k when sampling, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Top-p when sampling, 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Min-p when sampling, 0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--seed", defaultValue = "1234", description = "Base seed when sampling; prompt i uses seed + i (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-generation tokens.")
    boolean ignoreEos;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed generations per method before each task (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--python", defaultValue = "python3", description = "Python interpreter for HumanEval tests (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--exec-timeout", defaultValue = "10", description = "Seconds each HumanEval test program may run (default: ${DEFAULT-VALUE}).")
    double execTimeout;

    static final List<String> METHOD_NAMES = List.of("ar", "self");

    /** Method names in order, aliases normalised ("none"/"autoregressive" = ar, "layerskip" = self), duplicates dropped. */
    static List<String> parseMethods(String spec) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : spec.split(",")) {
            String m = s.trim().toLowerCase(Locale.ROOT);
            if (m.isEmpty()) continue;
            switch (m) {
                case "ar", "none", "autoregressive", "plain" -> out.add("ar");
                case "self", "layerskip", "layer-skip", "self-speculative" -> out.add("self");
                default -> throw new IllegalArgumentException("unknown method '" + s.trim() + "' (use " + String.join(", ", METHOD_NAMES) + ")");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--methods is empty (use e.g. ar,self)");
        return List.copyOf(out);
    }

    static List<String> parseTasks(String spec) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : spec.split(",")) if (!s.isBlank()) out.add(s.trim());
        if (out.isEmpty()) throw new IllegalArgumentException("--task is empty (use one or more of " + String.join(", ", EvalTask.NAMES) + ")");
        return List.copyOf(out);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> methodNames = parseMethods(methods);
        boolean self = methodNames.contains("self");
        if (self && !selfDraft.given()) {
            // evaluations name their skip set explicitly, so that a report can be reproduced
            throw new IllegalArgumentException("method 'self' needs --skip-profile FILE (from search-skips) or --skip SPEC (e.g. 'attn=1,3;mlp=2')");
        }
        if (!self && selfDraft.given()) {
            throw new IllegalArgumentException("--skip-profile/--skip only apply to method 'self', which --methods does not include");
        }
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        if (limit != null && limit < 1) throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        if (!(execTimeout > 0)) throw new IllegalArgumentException("--exec-timeout must be positive, got " + execTimeout);
        AdaptiveDraftExit.Settings draftSettings = selfDraft.settings();
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, minP, seed);
        if (selfDraft.skipProfile != null && !java.nio.file.Files.isRegularFile(selfDraft.skipProfile)) {
            throw new IllegalArgumentException("skip profile not found: " + selfDraft.skipProfile);
        }

        // tasks and their data first, so that a typo fails before the model loads
        HumanEvalExecutor executor = new HumanEvalExecutor(python, Duration.ofMillis((long) (execTimeout * 1000)));
        List<EvalTask> taskList = new ArrayList<>();
        List<List<Example>> datasets = new ArrayList<>();
        for (String name : parseTasks(tasks)) {
            EvalTask t = EvalTask.named(name, executor);
            if (taskList.stream().anyMatch(x -> x.name().equals(t.name()))) continue;
            taskList.add(t);
        }
        if (data != null && java.nio.file.Files.isRegularFile(data) && taskList.size() > 1) {
            throw new IllegalArgumentException("--data " + data + " is a single file but " + taskList.size()
                    + " tasks were given (pass a datasets folder, or one task)");
        }
        for (EvalTask t : taskList) datasets.add(t.load(data));
        if (taskList.stream().anyMatch(t -> t.name().equals("humaneval"))) {
            String why = executor.checkAvailable();
            if (why != null) throw new IllegalArgumentException("humaneval needs Python to run its tests: " + why + " (see --python)");
        }

        try (LanguageModel model = common.load()) {
            List<Evaluator.Method> list = new ArrayList<>();
            for (String m : methodNames) {
                if (m.equals("ar")) {
                    list.add(new Evaluator.Method("ar", new AutoregressiveDecoder(model.tokenizer()), "plain autoregressive decoding"));
                } else {
                    SkipSet skip = selfDraft.skipSet(model, err);
                    list.add(new Evaluator.Method("self", model.selfSpeculative(skip, draftSettings), selfDraft.describe(skip)));
                }
            }
            String modelName = model.file().path().getFileName().toString();
            err.printf("skipjack eval: %s (%s, %d layers, dim %d, context %d), %d threads, methods %s, tasks %s%n",
                    modelName, model.config().architecture(), model.config().layers(), model.config().dim(),
                    Math.min(model.options().contextSize(), model.config().contextLength()), model.options().threads(),
                    String.join(",", methodNames), String.join(",", taskList.stream().map(EvalTask::name).toList()));
            Evaluator evaluator = new Evaluator(model, modelName, list,
                    new Evaluator.Settings(maxTokens, sampling, ignoreEos, limit == null ? Integer.MAX_VALUE : limit, warmup), err);
            List<TaskResult> results = new ArrayList<>();
            for (int i = 0; i < taskList.size(); i++) results.add(evaluator.run(taskList.get(i), datasets.get(i)));

            stdout.print(Reports.markdown(results));
            stdout.flush();
            if (out != null) {
                Reports.write(results, out);
                err.println("skipjack eval: wrote " + out.resolve("report.md") + ", report.json, report.png, samples.jsonl");
            }
            boolean lossless = true;
            for (TaskResult r : results) {
                if (r.lossless()) continue;
                lossless = false;
                StringBuilder who = new StringBuilder();
                for (MethodResult m : r.methods().values()) if (m.tokenMismatches() > 0 || !m.qualityIdentical()) who.append(' ').append(m.name());
                err.printf("error: %s: greedy outputs differ from '%s' on %d of %d prompts (methods:%s); quality identical: %s%n",
                        r.task(), r.reference(), r.tokenMismatches(), r.prompts(), who, r.qualityIdentical());
            }
            return lossless ? 0 : 1;
        }
    }
}

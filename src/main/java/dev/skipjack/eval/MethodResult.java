package dev.skipjack.eval;

import dev.skipjack.decode.DecodeStats;
import dev.skipjack.decode.GenerationResult;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One method's totals over a task's prompts: speed, draft statistics and mean quality. */
public final class MethodResult {
    private final String name;
    private final String description;
    int prompts;
    long promptTokens, generatedTokens, targetForwards, drafted, accepted;
    double prefillSeconds, decodeSeconds, wallSeconds, draftSeconds, verifySeconds;
    long[] draftedAt = new long[0], acceptedAt = new long[0];
    final Map<String, Double> qualitySums = new LinkedHashMap<>();
    final Map<String, Integer> finishReasons = new TreeMap<>();
    int tokenMismatches;
    double speedup = Double.NaN;
    boolean qualityIdentical = true;

    MethodResult(String name, String description) {
        this.name = name;
        this.description = description;
    }

    void add(GenerationResult r, double wall) {
        prompts++;
        promptTokens += r.promptTokens();
        generatedTokens += r.tokens().length;
        prefillSeconds += r.prefillSeconds();
        decodeSeconds += r.decodeSeconds();
        wallSeconds += wall;
        DecodeStats s = r.stats();
        targetForwards += s.targetForwards;
        drafted += s.drafted;
        accepted += s.accepted;
        draftSeconds += s.draftSeconds;
        verifySeconds += s.verifySeconds;
        draftedAt = addInto(draftedAt, s.draftedByPosition());
        acceptedAt = addInto(acceptedAt, s.acceptedByPosition());
        finishReasons.merge(r.finishReason(), 1, Integer::sum);
    }

    void addQuality(Map<String, Double> scores) {
        scores.forEach((k, v) -> qualitySums.merge(k, v, Double::sum));
    }

    private static long[] addInto(long[] a, long[] b) {
        long[] r = a.length >= b.length ? a : Arrays.copyOf(a, b.length);
        for (int i = 0; i < b.length; i++) r[i] += b[i];
        return r;
    }

    public String name() { return name; }
    public String description() { return description; }
    public int prompts() { return prompts; }
    public long promptTokens() { return promptTokens; }
    public long generatedTokens() { return generatedTokens; }
    public long targetForwards() { return targetForwards; }
    public long drafted() { return drafted; }
    public long accepted() { return accepted; }
    public double prefillSeconds() { return prefillSeconds; }
    public double decodeSeconds() { return decodeSeconds; }
    public double draftSeconds() { return draftSeconds; }
    public double verifySeconds() { return verifySeconds; }
    /** Wall-clock seconds of the generations, prefill included (the decoders' own clocks). */
    public double seconds() { return prefillSeconds + decodeSeconds; }
    /** Seconds around each whole generate call (session set-up included). */
    public double wallSeconds() { return wallSeconds; }
    public double tokensPerSecond() { return seconds() > 0 ? generatedTokens / seconds() : 0; }
    /** Tokens/s over the reference method's (NaN without one). */
    public double speedup() { return speedup; }
    /** Tokens emitted per target forward pass (prefill included). */
    public double tau() { return targetForwards > 0 ? (double) generatedTokens / targetForwards : 0; }
    /** Accepted / drafted tokens, NaN when nothing was drafted. */
    public double acceptanceRate() { return drafted > 0 ? (double) accepted / drafted : Double.NaN; }
    public double[] acceptanceByPosition() {
        double[] r = new double[draftedAt.length];
        for (int i = 0; i < r.length; i++) r[i] = draftedAt[i] > 0 ? (double) acceptedAt[i] / draftedAt[i] : 0;
        return r;
    }
    public long[] draftedByPosition() { return draftedAt.clone(); }
    public long[] acceptedByPosition() { return acceptedAt.clone(); }
    public Map<String, Integer> finishReasons() { return Map.copyOf(finishReasons); }
    /** Prompts whose tokens differ from the reference method's. */
    public int tokenMismatches() { return tokenMismatches; }
    public boolean qualityIdentical() { return qualityIdentical; }

    /** Mean of each metric over the prompts, in the task's order. */
    public Map<String, Double> quality(List<String> order) {
        Map<String, Double> q = new LinkedHashMap<>();
        for (String k : order) if (qualitySums.containsKey(k)) q.put(k, qualitySums.get(k) / Math.max(1, prompts));
        qualitySums.forEach((k, v) -> q.putIfAbsent(k, v / Math.max(1, prompts)));
        return q;
    }
}

package dev.skipjack.cli;

import dev.skipjack.api.LanguageModel;
import dev.skipjack.decode.Decoder;
import dev.skipjack.draft.AdaptiveDraftExit;
import dev.skipjack.draft.SkipProfile;
import dev.skipjack.model.SkipSet;
import dev.skipjack.search.ProfileSearch;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The self-speculative drafter's settings: which sublayers to skip and the adaptive draft exit. */
final class SelfDraftOptions {
    @Option(names = "--skip-profile", paramLabel = "FILE", description = "Skip set for --draft self, as written by search-skips. Without it (and without --skip) a quick search runs once per model and machine and its profile is cached.")
    Path skipProfile;

    @Option(names = "--skip", paramLabel = "SPEC",
            description = "Skip set given directly, e.g. 'attn=1,3,5;mlp=2' (layers counted from 0); instead of --skip-profile.")
    String skipSpec;

    @Option(names = "--max-draft", defaultValue = "12", description = "Longest draft (default: ${DEFAULT-VALUE}).")
    int maxDraft;

    @Option(names = "--draft-threshold", defaultValue = "0.6", description = "Initial draft-exit threshold gamma0 (default: ${DEFAULT-VALUE}).")
    double gamma0;

    @Option(names = "--draft-alpha", defaultValue = "0.9", description = "Target acceptance rate of the adaptive threshold (paper: 0.9, 0.85 for code; default: ${DEFAULT-VALUE}).")
    double alpha;

    AdaptiveDraftExit.Settings settings() {
        if (maxDraft < 1 || maxDraft > 64) throw new IllegalArgumentException("--max-draft must be between 1 and 64, got " + maxDraft);
        if (!(alpha > 0 && alpha <= 1)) throw new IllegalArgumentException("--draft-alpha must be in (0, 1], got " + alpha);
        return AdaptiveDraftExit.Settings.paper().withMaxDraft(maxDraft).withGamma0(gamma0).withAlpha(alpha);
    }

    /** Whether a skip set was given (profile or spec). */
    boolean given() { return skipProfile != null || skipSpec != null; }

    /** The drafter for this model: the given skip set, or the automatic profile. */
    Decoder decoder(LanguageModel model, PrintWriter err) { return model.selfSpeculative(skipSet(model, err), settings()); }

    String describe(SkipSet skip) {
        return "self-speculative, skipping " + skip + " (" + skip.size() + " of " + 2 * skip.layers() + " sublayers), max draft "
                + maxDraft + ", gamma0 " + gamma0 + ", alpha " + alpha;
    }

    SkipSet skipSet(LanguageModel model, PrintWriter err) {
        int layers = model.config().layers();
        if (skipProfile != null && skipSpec != null) {
            throw new IllegalArgumentException("give one of --skip-profile FILE or --skip SPEC, not both");
        }
        if (skipSpec != null) return parseSkip(skipSpec, layers);
        if (skipProfile == null) return automaticProfile(model, err).skip();
        SkipProfile p = SkipProfile.load(skipProfile);
        String warning = p.checkFits(model.file(), model.config());
        if (warning != null) err.println("skipjack: warning: " + warning);
        return p.skip();
    }

    /**
     * Without a profile, --draft self uses the cached automatic profile of this model on this machine, or runs the
     * quick search once (warm-started from structured sets, stops when the gain flattens) and caches its result.
     */
    static SkipProfile automaticProfile(LanguageModel model, PrintWriter err) {
        Path cached = ProfileSearch.cachedProfilePath(model);
        if (java.nio.file.Files.exists(cached)) {
            err.println("skipjack: using the cached skip profile " + cached);
            return SkipProfile.load(cached);
        }
        err.println("skipjack: no skip profile given; running a quick skip search once for this model and machine"
                + " (about two minutes at most; search-skips searches longer)");
        SkipProfile p = ProfileSearch.run(model, ProfileSearch.Options.quick(), cached.resolveSibling(cached.getFileName() + ".state.json"), err);
        try {
            p.save(cached);
            err.println("skipjack: cached the skip profile in " + cached);
        } catch (java.io.IOException e) {
            err.println("skipjack: warning: could not cache the skip profile: " + e.getMessage());
        }
        return p;
    }

    /** Parses {@code attn=1,3;mlp=2,4} (either part optional; "all" means every layer). */
    static SkipSet parseSkip(String spec, int layers) {
        int[] attn = new int[0], mlp = new int[0];
        for (String part : spec.split(";")) {
            part = part.trim();
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("bad --skip part '" + part + "' (expected attn=... or mlp=...)");
            String key = part.substring(0, eq).trim(), value = part.substring(eq + 1).trim();
            int[] layersList = parseLayers(value, layers);
            switch (key) {
                case "attn", "attention" -> attn = layersList;
                case "mlp" -> mlp = layersList;
                default -> throw new IllegalArgumentException("bad --skip key '" + key + "' (expected attn or mlp)");
            }
        }
        return SkipSet.of(layers, attn, mlp);
    }

    private static int[] parseLayers(String v, int layers) {
        if (v.equals("all")) return java.util.stream.IntStream.range(0, layers).toArray();
        List<Integer> out = new ArrayList<>();
        if (!v.isEmpty()) {
            for (String s : v.split(",")) {
                try {
                    out.add(Integer.parseInt(s.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad layer number '" + s + "' in --skip");
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}

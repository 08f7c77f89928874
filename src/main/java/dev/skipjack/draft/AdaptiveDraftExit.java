package dev.skipjack.draft;

/**
 * Draft & Verify's adaptive draft-exit threshold: stop drafting when the draft's confidence falls below gamma,
 * and move gamma after each verification so the acceptance rate tracks a target (alpha).
 * <pre>
 *   AR = accepted / drafted;  ARhat = b1 * ARhat + (1 - b1) * AR
 *   gamma' = gamma + eps          if ARhat &lt; alpha
 *          = gamma                if drafting hit the maximum length
 *          = gamma - eps          otherwise
 *   gamma  = b2 * gamma + (1 - b2) * gamma'
 * </pre>
 * One instance per process and drafter, so the threshold carries over between requests. Thread-safe.
 */
public final class AdaptiveDraftExit {
    /** The paper's constants (alpha 0.85 is its value for code). */
    public record Settings(double gamma0, double b1, double alpha, double eps, double b2, int maxDraft) {
        public Settings {
            if (maxDraft < 1) throw new IllegalArgumentException("max draft must be >= 1, got " + maxDraft);
            if (!(gamma0 >= 0 && gamma0 <= 1)) throw new IllegalArgumentException("gamma0 must be in [0, 1], got " + gamma0);
        }

        public static Settings paper() { return new Settings(0.6, 0.5, 0.9, 0.01, 0.9, 12); }

        public Settings withMaxDraft(int m) { return new Settings(gamma0, b1, alpha, eps, b2, m); }
        public Settings withAlpha(double a) { return new Settings(gamma0, b1, a, eps, b2, maxDraft); }
        public Settings withGamma0(double g) { return new Settings(g, b1, alpha, eps, b2, maxDraft); }
    }

    private final Settings settings;
    private double gamma;
    private double arHat;
    private final boolean adaptive;

    public AdaptiveDraftExit(Settings settings) { this(settings, true); }

    /** With {@code adaptive == false} gamma stays at gamma0 (a fixed threshold). */
    public AdaptiveDraftExit(Settings settings, boolean adaptive) {
        this.settings = settings;
        this.gamma = settings.gamma0();
        this.arHat = settings.alpha(); // neutral start: neither raises nor lowers gamma by itself
        this.adaptive = adaptive;
    }

    public Settings settings() { return settings; }
    public synchronized double threshold() { return gamma; }
    public synchronized double smoothedAcceptance() { return arHat; }

    /** Whether drafting continues after a token drafted with this confidence. */
    public synchronized boolean keepDrafting(double confidence) { return confidence >= gamma; }

    public synchronized void update(int accepted, int drafted, boolean hitMax) {
        if (!adaptive || drafted == 0) return;
        double ar = (double) accepted / drafted;
        arHat = settings.b1() * arHat + (1 - settings.b1()) * ar;
        double next;
        if (arHat < settings.alpha()) next = gamma + settings.eps();
        else if (hitMax) next = gamma;
        else next = gamma - settings.eps();
        gamma = settings.b2() * gamma + (1 - settings.b2()) * next;
        gamma = Math.max(0, Math.min(1, gamma));
    }
}

package dev.skipjack.search;

/**
 * Gaussian-process regression over binary vectors (skip sets encoded as 0/1 per sublayer), the surrogate of the
 * Bayesian skip search. Squared-exponential kernel on the squared Euclidean (= Hamming) distance,
 * {@code k(a, b) = exp(-|a - b|^2 / (2 l^2))}, observation noise {@code noise} added to the diagonal (the paper's
 * alpha = 1e-2), targets standardised. The length scale is chosen from a grid by marginal likelihood.
 * Small on purpose: a few hundred points at most, solved by Cholesky decomposition.
 */
public final class GaussianProcess {
    private static final double[] LENGTH_GRID = {0.5, 1, 1.5, 2, 3, 4, 6, 8};

    private final double noise;
    private double lengthScale;
    private double[][] x;
    private double[] alphaVec;  // K^-1 (y - mean) / std
    private double[][] chol;    // lower Cholesky factor of K + noise I
    private double mean, std;

    public GaussianProcess(double noise) { this.noise = noise; }

    public double lengthScale() { return lengthScale; }

    /** Fits the GP to points {@code x[i]} with targets {@code y[i]}. */
    public void fit(double[][] x, double[] y) {
        int n = y.length;
        if (n == 0 || x.length != n) throw new IllegalArgumentException("need as many points as targets, at least one");
        this.x = x;
        double m = 0;
        for (double v : y) m += v;
        m /= n;
        double var = 0;
        for (double v : y) var += (v - m) * (v - m);
        double s = n > 1 ? Math.sqrt(var / (n - 1)) : 1;
        if (!(s > 1e-12)) s = 1;
        this.mean = m;
        this.std = s;
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) ys[i] = (y[i] - m) / s;
        double best = Double.NEGATIVE_INFINITY;
        for (double l : LENGTH_GRID) {
            double[][] L = cholesky(kernelMatrix(x, l));
            double[] a = solve(L, ys);
            // log marginal likelihood = -1/2 y^T K^-1 y - sum log L_ii - n/2 log 2 pi
            double fit = 0;
            for (int i = 0; i < n; i++) fit += ys[i] * a[i];
            double logDet = 0;
            for (int i = 0; i < n; i++) logDet += Math.log(L[i][i]);
            double lml = -0.5 * fit - logDet;
            if (lml > best) {
                best = lml;
                lengthScale = l;
                chol = L;
                alphaVec = a;
            }
        }
    }

    /** Posterior mean and standard deviation at {@code q}, in the units of the targets. */
    public double[] predict(double[] q) {
        int n = x.length;
        double[] k = new double[n];
        for (int i = 0; i < n; i++) k[i] = kernel(q, x[i], lengthScale);
        double mu = 0;
        for (int i = 0; i < n; i++) mu += k[i] * alphaVec[i];
        double[] v = forward(chol, k);
        double var = 1.0;
        for (double vi : v) var -= vi * vi;
        return new double[]{mean + std * mu, std * Math.sqrt(Math.max(var, 1e-12))};
    }

    static double kernel(double[] a, double[] b, double l) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.exp(-d / (2 * l * l));
    }

    private double[][] kernelMatrix(double[][] x, double l) {
        int n = x.length;
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) k[i][j] = k[j][i] = kernel(x[i], x[j], l);
            k[i][i] += noise;
        }
        return k;
    }

    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                if (i == j) {
                    if (s <= 0) throw new IllegalStateException("kernel matrix not positive definite");
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    /** Solves L v = b. */
    static double[] forward(double[][] l, double[] b) {
        int n = b.length;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * v[k];
            v[i] = s / l[i][i];
        }
        return v;
    }

    /** Solves (L L^T) a = b. */
    static double[] solve(double[][] l, double[] b) {
        double[] v = forward(l, b);
        int n = b.length;
        double[] a = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = v[i];
            for (int k = i + 1; k < n; k++) s -= l[k][i] * a[k];
            a[i] = s / l[i][i];
        }
        return a;
    }
}

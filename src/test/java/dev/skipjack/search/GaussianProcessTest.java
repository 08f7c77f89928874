package dev.skipjack.search;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class GaussianProcessTest {
    @Test
    void posteriorOfOnePointMatchesTheClosedForm() {
        // one observation y at x0; standardisation of a single point: mean y, std 1 -> posterior mean is y everywhere
        // the prior is centred there; the std at x0 is sqrt(1 - 1/(1+noise))
        GaussianProcess gp = new GaussianProcess(0.01);
        gp.fit(new double[][]{{0, 0, 0}}, new double[]{5});
        double[] at = gp.predict(new double[]{0, 0, 0});
        assertEquals(5, at[0], 1e-9);
        assertEquals(Math.sqrt(1 - 1 / 1.01), at[1], 1e-9);
    }

    @Test
    void interpolatesObservationsAndIsUncertainFarAway() {
        double[][] x = {{0, 0, 0, 0}, {1, 0, 0, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}};
        double[] y = {1, 2, 3, 4};
        GaussianProcess gp = new GaussianProcess(1e-4);
        gp.fit(x, y);
        for (int i = 0; i < x.length; i++) {
            double[] p = gp.predict(x[i]);
            assertEquals(y[i], p[0], 0.05, "point " + i);
            assertTrue(p[1] < 0.2, "small uncertainty at data: " + p[1]);
        }
        double[] far = gp.predict(new double[]{0, 1, 1, 1});
        double[] near = gp.predict(new double[]{1, 1, 1, 1});
        assertTrue(far[1] > near[1], "more uncertain away from the data");
    }

    @Test
    void choleskySolvesALinearSystem() {
        double[][] a = {{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}};
        double[] b = {1, 2, 3};
        double[] sol = GaussianProcess.solve(GaussianProcess.cholesky(a), b);
        for (int i = 0; i < 3; i++) {
            double s = 0;
            for (int j = 0; j < 3; j++) s += a[i][j] * sol[j];
            assertEquals(b[i], s, 1e-12);
        }
    }
}

package dev.skipjack.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The pool runs every index of every loop exactly once, before forRange returns, loop after loop. */
class ParallelTest {
    @Test
    void everyIndexExactlyOnceBeforeReturnAcrossManyLoops() {
        try (Parallel pool = new Parallel(2)) {
            SplittableRandom r = new SplittableRandom(5);
            int[] counts = new int[4096];
            for (int loop = 0; loop < 200_000; loop++) {
                int n = 1 + r.nextInt(r.nextBoolean() ? 64 : 4096);
                int align = 1 + r.nextInt(16);
                java.util.Arrays.fill(counts, 0, n, 0);
                pool.forRange(n, align, (worker, start, end) -> {
                    for (int i = start; i < end; i++) counts[i]++;
                });
                for (int i = 0; i < n; i++) {
                    if (counts[i] != 1) fail("loop " + loop + " (n " + n + "): index " + i + " ran " + counts[i] + " times");
                }
            }
        }
    }

    @Test
    void failuresInWorkersReachTheCaller() {
        try (Parallel pool = new Parallel(2)) {
            assertThrows(IllegalStateException.class, () -> pool.forRange(1000, 1, (w, s, e) -> {
                if (s > 0) throw new IllegalStateException("boom");
            }));
            int[] sum = {0};
            pool.forRange(10, 1, (w, s, e) -> { synchronized (sum) { sum[0] += e - s; } });
            assertEquals(10, sum[0], "the pool still works after a failure");
        }
    }
}

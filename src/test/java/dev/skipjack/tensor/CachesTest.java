package dev.skipjack.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachesTest {
    @Test
    void parsesSysfsCacheSizes() {
        assertEquals(491520L * 1024, Caches.parseSize("491520K"));
        assertEquals(32L << 20, Caches.parseSize("32M"));
        assertEquals(4096, Caches.parseSize("4096"));
    }

    @Test
    void residencyNeedsHalfTheLastLevelCache() {
        long llc = Caches.lastLevelBytes();
        assertTrue(llc >= 0);
        assertEquals(llc > 0, Caches.fitsInLastLevel(llc / 2));
        assertTrue(!Caches.fitsInLastLevel(llc / 2 + 1));
    }
}

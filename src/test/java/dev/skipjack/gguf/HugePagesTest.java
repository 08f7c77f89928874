package dev.skipjack.gguf;

import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The huge-page copy of a model: aligned, zeroed, freed with its arena, and byte for byte the file it replaces. */
class HugePagesTest {
    @Test
    void allocatesAlignedZeroedMemoryFreedWithItsArena() {
        assumeTrue(HugePages.available(), "no transparent huge pages on this system");
        long size = 3 * HugePages.SIZE + 5;
        MemorySegment m;
        try (Arena arena = Arena.ofShared()) {
            m = HugePages.allocate(size, arena).orElseThrow();
            assertEquals(0, m.address() % HugePages.SIZE, "starts on a 2 MB boundary");
            assertEquals(size, m.byteSize());
            for (long i = 0; i < size; i += 4093) assertEquals(0, m.get(ValueLayout.JAVA_BYTE, i));
            m.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 7);
            assertEquals(7, m.get(ValueLayout.JAVA_BYTE, size - 1));
        }
        assertFalse(m.scope().isAlive(), "unmapped when the arena closes");
    }

    @Test
    void copiedFileHasTheMappedFilesTensorsAndMetadata() {
        Path path = SharedData.model("pycode-5m/pycode-5m-q8_0.gguf");
        try (GgufFile mapped = GgufFile.open(path); GgufFile copied = GgufFile.open(path, 0L)) {
            assertEquals("memory-mapped", mapped.residency());
            if (!HugePages.available()) {
                assertEquals("memory-mapped", copied.residency(), "falls back to the mapping");
                return;
            }
            assertTrue(copied.residency().startsWith("copied to huge pages"), copied.residency());
            assertEquals(mapped.metadata(), copied.metadata());
            assertEquals(mapped.tensors().keySet(), copied.tensors().keySet());
            for (TensorInfo t : mapped.tensors().values()) {
                TensorInfo c = copied.tensor(t.name());
                assertEquals(-1, t.data().mismatch(c.data()), t.name() + " bytes differ");
                assertEquals(t.data().address() % 64, c.data().address() % 64, t.name() + " alignment");
            }
        }
    }
}

package dev.skipjack.eval;

import dev.skipjack.testing.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The HumanEval harness on real problems: right code passes, wrong code fails, endless code is killed. */
class HumanEvalExecutorTest {
    static HumanEvalExecutor exec = new HumanEvalExecutor("python3", Duration.ofSeconds(10));
    static List<Example> problems;

    @BeforeAll
    static void setUp() {
        assumeTrue(exec.checkAvailable() == null, "python3 not available");
        problems = Datasets.humanEval(SharedData.dataset("humaneval/HumanEval.jsonl"));
    }

    private static String program(Example p, String completion) {
        return HumanEvalExecutor.program(p.input(), completion, p.field("test"), p.field("entry_point"));
    }

    @Test
    void canonicalSolutionPasses() {
        Example p = problems.get(0);
        HumanEvalExecutor.Outcome o = exec.run(program(p, p.reference()));
        assertEquals(HumanEvalExecutor.Status.PASSED, o.status(), o.output());
        assertTrue(o.passed());
    }

    @Test
    void wrongSolutionFails() {
        Example p = problems.get(0);
        HumanEvalExecutor.Outcome o = exec.run(program(p, "    return False\n"));
        assertEquals(HumanEvalExecutor.Status.FAILED, o.status());
        assertTrue(o.output().contains("AssertionError"), o.output());
        HumanEvalExecutor.Outcome syntax = exec.run(program(p, "    return (\n"));
        assertEquals(HumanEvalExecutor.Status.FAILED, syntax.status());
    }

    @Test
    void infiniteLoopTimesOutAndItsChildrenAreKilled(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        HumanEvalExecutor quick = new HumanEvalExecutor("python3", Duration.ofMillis(1500));
        String program = "import subprocess, time\n"
                + "p = subprocess.Popen(['sleep', '120'])\n"
                + "open(" + pyString(pidFile.toString()) + ", 'w').write(str(p.pid))\n"
                + "while True:\n    pass\n";
        long t0 = System.nanoTime();
        HumanEvalExecutor.Outcome o = quick.run(program);
        double s = (System.nanoTime() - t0) / 1e9;
        assertEquals(HumanEvalExecutor.Status.TIMEOUT, o.status(), o.output());
        assertFalse(o.passed());
        assertTrue(s < 8, "returned after " + s + " s");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        for (int i = 0; i < 50 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) Thread.sleep(100);
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "child process " + pid + " still alive");
    }

    @Test
    void runsInAFreshDirectoryThatIsRemoved() {
        HumanEvalExecutor.Outcome o = exec.run("import os\nprint(os.getcwd())\nprint(sorted(os.listdir('.')))\n");
        assertTrue(o.passed(), o.output());
        String dir = o.output().lines().findFirst().orElseThrow();
        assertTrue(dir.contains("skipjack-humaneval-"), dir);
        assertTrue(o.output().contains("['output.txt', 'program.py']"), o.output());
        assertFalse(Files.exists(Path.of(dir)), "temporary directory left behind");
    }

    @Test
    void completionIsCutAtStopSequences() {
        assertEquals("    return 1\n", HumanEvalExecutor.truncate("    return 1\n\ndef other():\n    pass"));
        assertEquals("    x = 1\n    return x", HumanEvalExecutor.truncate("    x = 1\n    return x\nif __name__ == '__main__':\n"));
        assertEquals("    return 2", HumanEvalExecutor.truncate("    return 2\n# test\nprint(f())"));
        assertEquals("    return 3", HumanEvalExecutor.truncate("    return 3\nclass A:\n    pass"));
        assertEquals("    return 4", HumanEvalExecutor.truncate("    return 4\nprint(4)"));
        assertEquals("    # keep indented comments\n    return 5", HumanEvalExecutor.truncate("    # keep indented comments\n    return 5"));
    }

    @Test
    void missingInterpreterIsAnError() {
        HumanEvalExecutor bad = new HumanEvalExecutor("/nonexistent/python-xyz", Duration.ofSeconds(1));
        assertNotNull(bad.checkAvailable());
        assertEquals(HumanEvalExecutor.Status.ERROR, bad.run("pass\n").status());
    }

    private static String pyString(String s) { return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"; }
}

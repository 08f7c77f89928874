package dev.skipjack.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs HumanEval programs: {@code prompt + completion + "\n" + test + "\ncheck(entry_point)"} with Python in a
 * subprocess, in a fresh temporary directory that is deleted afterwards, killed (with all its descendants) when it
 * runs past the timeout. Exit status 0 is a pass.
 */
public final class HumanEvalExecutor {
    /** Where HumanEval completions stop: the next top-level statement after the function body. */
    public static final List<String> STOP_SEQUENCES = List.of("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#");

    public enum Status { PASSED, FAILED, TIMEOUT, ERROR }

    public record Outcome(Status status, int exitCode, String output, double seconds) {
        public boolean passed() { return status == Status.PASSED; }
    }

    private static final int MAX_OUTPUT_CHARS = 4000;

    private final String python;
    private final Duration timeout;

    public HumanEvalExecutor(String python, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
        this.python = python;
        this.timeout = timeout;
    }

    public String python() { return python; }
    public Duration timeout() { return timeout; }

    /** The completion cut at the first stop sequence. */
    public static String truncate(String completion) {
        int cut = completion.length();
        for (String s : STOP_SEQUENCES) {
            int i = completion.indexOf(s);
            if (i >= 0 && i < cut) cut = i;
        }
        return completion.substring(0, cut);
    }

    /** The program HumanEval's harness executes. */
    public static String program(String prompt, String completion, String test, String entryPoint) {
        return prompt + completion + "\n" + test + "\ncheck(" + entryPoint + ")\n";
    }

    /** Checks that the interpreter starts; returns null if so, else why not. */
    public String checkAvailable() {
        try {
            Process p = new ProcessBuilder(python, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "'" + python + " --version' did not finish";
            }
            return p.exitValue() == 0 ? null : "'" + python + " --version' exited with " + p.exitValue();
        } catch (IOException e) {
            return "cannot run '" + python + "': " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    public Outcome run(String program) {
        long t0 = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("skipjack-humaneval-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
        try {
            Path file = dir.resolve("program.py"), out = dir.resolve("output.txt");
            Files.writeString(file, program, StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(python, "program.py").directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
            pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            pb.environment().put("PYTHONHASHSEED", "0");
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new Outcome(Status.ERROR, -1, "cannot run '" + python + "': " + e.getMessage(), seconds(t0));
            }
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                killTree(p);
                Thread.currentThread().interrupt();
                return new Outcome(Status.ERROR, -1, "interrupted", seconds(t0));
            }
            if (!done) {
                killTree(p);
                return new Outcome(Status.TIMEOUT, -1, "timed out after " + timeout.toMillis() + " ms\n" + read(out), seconds(t0));
            }
            int code = p.exitValue();
            killTree(p); // anything it left running in the background
            return new Outcome(code == 0 ? Status.PASSED : Status.FAILED, code, read(out), seconds(t0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(dir);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** Kills the process and every descendant (snapshotted first: once the parent dies its children are re-parented). */
    static void killTree(Process p) {
        List<ProcessHandle> tree = p.descendants().toList();
        p.destroyForcibly();
        for (ProcessHandle h : tree) h.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path out) {
        try {
            if (!Files.exists(out)) return "";
            String s = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
            return s.length() > MAX_OUTPUT_CHARS ? s.substring(s.length() - MAX_OUTPUT_CHARS) : s;
        } catch (IOException e) {
            return "";
        }
    }

    private static double seconds(long t0) { return (System.nanoTime() - t0) / 1e9; }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try { Files.deleteIfExists(f); } catch (IOException ignored) { }
            });
        } catch (IOException ignored) {
        }
    }
}

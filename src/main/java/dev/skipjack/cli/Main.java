package dev.skipjack.cli;

import dev.skipjack.gguf.GgufException;
import picocli.CommandLine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** The {@code skipjack} command line. */
@Command(name = "skipjack", mixinStandardHelpOptions = true, version = "skipjack 0.1.0",
        description = "Pure-Java LLM inference with lossless speculative decoding.",
        subcommands = {GenerateCommand.class, SearchSkipsCommand.class, BenchCommand.class, SynthCommand.class, EvalCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.err); }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        System.exit(run(out, err, args));
    }

    /** Runs the CLI and returns the exit code: 0 ok, 1 runtime error, 2 bad usage. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println("error: " + message(ex));
            cmd.getErr().flush();
            if (System.getenv("SKIPJACK_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static String message(Throwable ex) {
        if (ex instanceof GgufException || ex instanceof dev.skipjack.download.DownloadException || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException) {
            return ex.getMessage();
        }
        if (ex instanceof OutOfMemoryError) return "out of memory: " + ex.getMessage() + " (try a smaller --ctx-size, or raise -Xmx via SKIPJACK_JAVA_OPTS)";
        String m = ex.getMessage();
        return m != null ? m : ex.toString();
    }
}

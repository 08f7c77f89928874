package dev.skipjack.cli;

import dev.skipjack.gguf.GgmlType;
import dev.skipjack.synth.ShapeSynthesizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code skipjack synth}: a random-weight GGUF with the exact shape of a published model, for speed measurements. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight GGUF with the shape of a published model (speed measurements only; the text is noise).")
final class SynthCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--shape", required = true, description = "smollm2-135m, qwen2.5-0.5b, llama-3.2-1b or tinyllama-1.1b.")
    String shape;

    @Option(names = "--type", required = true, description = "f32, f16, bf16, q8_0, q4_0 or q4_k (Q4_K_M-like mix).")
    String type;

    @Option(names = "--out", required = true, paramLabel = "FILE.gguf", description = "Where to write the model.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab-dir", paramLabel = "DIR", description = "Fetched vocabularies (default: target/vocabs of the skipjack checkout; scripts/fetch-vocabs.sh fills it).")
    Path vocabDir;

    @Option(names = "--spm-vocab", paramLabel = "FILE.gguf", description = "GGUF whose SentencePiece vocabulary the spm shapes use (default: the shared pycode-5m model).")
    Path spmVocab;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ShapeSynthesizer.Shape s = ShapeSynthesizer.shape(shape);
        GgmlType t = ShapeSynthesizer.type(type);
        Path vocab = vocabDir != null ? vocabDir : Path.of(System.getProperty("skipjack.home", "."), "target", "vocabs");
        Path spm = spmVocab != null ? spmVocab : sharedModel("pycode-5m/pycode-5m-f32.gguf");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent)) {
            long params = (long) s.vocab() * s.dim() * (s.tied() ? 1 : 2)
                    + (long) s.layers() * (2L * s.dim() * s.heads() * s.headDim() + 2L * s.dim() * s.kvHeads() * s.headDim() + 3L * s.dim() * s.ffn());
            long need = t.byteSize(params / t.blockSize * t.blockSize) + (64 << 20);
            long free = Files.getFileStore(parent).getUsableSpace();
            if (free < need) throw new IllegalArgumentException(String.format("not enough disk space in %s: %.1f GB free, %.1f GB needed", parent, free / 1e9, need / 1e9));
        }
        err.printf("synth: %s (%s, dim %d, %d layers, %d/%d heads, ffn %d, vocab %d) as %s -> %s%n", s.name(), s.arch(), s.dim(), s.layers(),
                s.heads(), s.kvHeads(), s.ffn(), s.vocab(), t, out);
        long t0 = System.nanoTime();
        ShapeSynthesizer.write(s, t, out, vocab, spm, seed, err);
        err.printf("synth: done in %.1f s (%.2f GB)%n", (System.nanoTime() - t0) / 1e9, Files.size(out) / 1e9);
        return 0;
    }

    private static Path sharedModel(String rel) {
        for (String root : new String[]{"../shared/models", System.getProperty("skipjack.home", ".") + "/../shared/models", "/work/shared/models"}) {
            Path p = Path.of(root, rel);
            if (Files.exists(p)) return p;
        }
        throw new IllegalArgumentException("no SentencePiece vocabulary found; pass --spm-vocab FILE.gguf");
    }
}

package dev.skipjack.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the tests find the npm vocabularies ({@code scripts/fetch-vocabs.sh} puts them in target/vocabs/), and the
 * synthetic model descriptions the llama.cpp expectation files record (so a test rebuilds the very same file).
 */
public final class SyntheticSetups {
    private static final Map<String, TokenizerSpec> SPECS = new ConcurrentHashMap<>();

    private SyntheticSetups() {}

    /** target/vocabs/NAME, or null when the vocabulary has not been fetched. */
    public static Path vocabDir(String name) {
        String env = System.getenv("SKIPJACK_VOCABS");
        Path base = env != null ? Path.of(env) : Path.of("target", "vocabs");
        Path dir = base.resolve(name);
        return Files.isRegularFile(dir.resolve("tokenizer.json")) ? dir : null;
    }

    /** The vocabulary NAME (cached), or null when it has not been fetched. */
    public static TokenizerSpec vocab(String name) throws IOException {
        TokenizerSpec s = SPECS.get(name);
        if (s != null) return s;
        Path dir = vocabDir(name);
        if (dir == null) return null;
        s = HfTokenizerJson.load(dir);
        SPECS.put(name, s);
        return s;
    }

    /** A model description as the expectation files store it. */
    public record ModelSetup(String arch, String vocab, String pre, int dim, int layers, int heads, int kvHeads,
                             int headDim, int ffn, int context, long seed, float ropeTheta, float rmsEps,
                             boolean ropeFreqs, boolean tied) {

        public SyntheticModel.Builder builder(TokenizerSpec spec) {
            SyntheticModel.Builder b = SyntheticModel.builder(SyntheticModel.Arch.valueOf(arch.toUpperCase()))
                    .dim(dim).layers(layers).heads(heads).kvHeads(kvHeads).ffn(ffn).context(context).seed(seed)
                    .ropeTheta(ropeTheta).rmsEps(rmsEps).ropeFreqs(ropeFreqs).tiedEmbeddings(tied)
                    .tokenizer(pre == null ? spec : spec.withPre(pre));
            if (headDim > 0) b.headDim(headDim);
            return b;
        }

        public ObjectNode toJson(ObjectMapper m) { return m.valueToTree(this); }

        public static ModelSetup fromJson(ObjectMapper m, JsonNode n) throws IOException {
            return m.treeToValue(n, ModelSetup.class);
        }
    }
}

package dev.skipjack.draft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skipjack.gguf.GgufFile;
import dev.skipjack.model.ModelConfig;
import dev.skipjack.model.SkipSet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A skip set found for one model on one machine, stored as JSON: the model's identity, the machine's identity,
 * the skip set, what was measured with it and how it was searched. {@code extra} holds the free-form parts
 * (measurements, search settings) as JSON.
 */
public record SkipProfile(String modelFile, String modelFingerprint, int layers, SkipSet skip, ObjectNode measured,
                          ObjectNode search, ObjectNode machine) {
    public static final String FORMAT = "skipjack-skip-profile/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static SkipProfile load(Path path) {
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read skip profile " + path + ": " + e.getMessage());
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException(path + " is not a skip profile (expected \"format\": \"" + FORMAT + "\")");
        }
        int layers = root.path("model").path("layers").asInt(-1);
        JsonNode skip = root.path("skip");
        if (layers <= 0 || !skip.path("attention").isArray() || !skip.path("mlp").isArray()) {
            throw new IllegalArgumentException(path + ": skip profile lacks model.layers or skip.attention/skip.mlp");
        }
        try {
            SkipSet s = SkipSet.of(layers, ints(skip.get("attention")), ints(skip.get("mlp")));
            return new SkipProfile(root.path("model").path("file").asText(), root.path("model").path("fingerprint").asText(),
                    layers, s, obj(root.get("measured")), obj(root.get("search")), obj(root.get("machine")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage());
        }
    }

    /** Checks the profile was made for this model; a different machine is only worth a warning (returned, or null). */
    public String checkFits(GgufFile file, ModelConfig config) {
        if (layers != config.layers()) {
            throw new IllegalArgumentException("skip profile is for a model with " + layers + " layers, this one has " + config.layers());
        }
        String fp = fingerprint(file.path());
        if (!modelFingerprint.isEmpty() && !modelFingerprint.equals(fp)) {
            return "skip profile was searched on a different model file (" + modelFile + "); its speed may not carry over";
        }
        String here = machineIdentity().path("cpu").asText();
        if (machine != null && !machine.path("cpu").asText().equals(here)) {
            return "skip profile was searched on another machine (" + machine.path("cpu").asText() + "); skip sets are hardware-specific";
        }
        return null;
    }

    public void save(Path path) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode model = root.putObject("model");
        model.put("file", modelFile);
        model.put("fingerprint", modelFingerprint);
        model.put("layers", layers);
        root.set("machine", machine != null ? machine : machineIdentity());
        ObjectNode s = root.putObject("skip");
        var a = s.putArray("attention");
        for (int l : skip.attentionLayers()) a.add(l);
        var m = s.putArray("mlp");
        for (int l : skip.mlpLayers()) m.add(l);
        s.put("skipped_sublayers", skip.size());
        s.put("total_sublayers", 2 * layers);
        if (measured != null) root.set("measured", measured);
        if (search != null) root.set("search", search);
        Path abs = path.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        JSON.writeValue(tmp.toFile(), root);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A cheap identity for a model file: SHA-256 over its size, its header (metadata and tensor table) and the first
     * and last MiB of tensor data. Hashing a multi-GB file whole would cost seconds on every start.
     */
    public static String fingerprint(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long size = ch.size();
            md.update(ByteBuffer.allocate(8).putLong(size).array());
            long chunk = 1 << 20;
            digest(md, ch, 0, Math.min(size, 8 * chunk));
            if (size > 8 * chunk) digest(md, ch, size - chunk, chunk);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint " + file + ": " + e.getMessage(), e);
        }
    }

    private static void digest(MessageDigest md, FileChannel ch, long pos, long len) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) len);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) break;
        }
        buf.flip();
        md.update(buf);
    }

    /** CPU model, core count, OS and Java version: skip sets are searched for the hardware that will decode. */
    public static ObjectNode machineIdentity() {
        ObjectNode m = JSON.createObjectNode();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    static String cpuModel() {
        try (InputStream in = Files.newInputStream(Path.of("/proc/cpuinfo"))) {
            for (String line : new String(in.readAllBytes()).split("\n")) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException ignored) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    private static ObjectNode obj(JsonNode n) { return n instanceof ObjectNode o ? o : null; }
}

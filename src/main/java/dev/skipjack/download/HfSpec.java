package dev.skipjack.download;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed {@code hf:OWNER/REPO/FILE.gguf} model reference. FILE may contain sub-folders.
 * Every part is validated because it becomes both a URL path and a path under the cache directory:
 * rejecting "..", empty segments and odd characters keeps downloads inside the cache.
 */
public record HfSpec(String owner, String repo, String file) {
    public static final String PREFIX = "hf:";
    static final String EXPECTED = "expected hf:OWNER/REPO/FILE.gguf (e.g. hf:someone/Some-Model-GGUF/model-Q8_0.gguf)";

    // Hugging Face user, org and repo names: letters, digits, '-', '_', '.'.
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** True when {@code spec} should be resolved through Hugging Face rather than used as a local path. */
    public static boolean isHf(String spec) {
        return spec != null && spec.startsWith(PREFIX);
    }

    /** Parses an {@code hf:} spec, or throws a {@link DownloadException} explaining the expected form. */
    public static HfSpec parse(String spec) {
        if (!isHf(spec)) throw invalid(spec, "it does not start with hf:");
        String body = spec.substring(PREFIX.length());
        if (body.startsWith("//")) body = body.substring(2); // tolerate hf://owner/repo/file
        String[] parts = body.split("/", -1);
        if (parts.length < 3) throw invalid(spec, parts.length == 2 ? "the file name is missing" : "owner and repo are missing");
        for (int i = 0; i < 2; i++) {
            if (!NAME.matcher(parts[i]).matches() || parts[i].contains(".."))
                throw invalid(spec, "'" + parts[i] + "' is not a valid " + (i == 0 ? "owner" : "repo") + " name");
        }
        String file = body.substring(parts[0].length() + parts[1].length() + 2);
        for (String seg : file.split("/", -1)) {
            String bad = badSegment(seg);
            if (bad != null) throw invalid(spec, "file path " + bad);
        }
        if (!file.toLowerCase(Locale.ROOT).endsWith(".gguf")) throw invalid(spec, "the file must be a .gguf file");
        return new HfSpec(parts[0], parts[1], file);
    }

    /** Why a path segment is unsafe or unusable, or null when it is fine. */
    static String badSegment(String seg) {
        if (seg.isEmpty()) return "has an empty segment";
        if (seg.equals(".") || seg.equals("..")) return "must not contain '" + seg + "'";
        for (int i = 0; i < seg.length(); i++) {
            char c = seg.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':' || c == '?' || c == '#' || c == '*' || c == '"'
                    || c == '<' || c == '>' || c == '|')
                return "contains an invalid character in '" + seg.replaceAll("\\p{Cntrl}", "?") + "'";
        }
        return null;
    }

    private static DownloadException invalid(String spec, String why) {
        return new DownloadException("invalid model spec '" + spec + "': " + why + "; " + EXPECTED);
    }

    /** "owner/repo", the id Hugging Face uses. */
    public String repoId() { return owner + "/" + repo; }

    @Override
    public String toString() { return PREFIX + owner + "/" + repo + "/" + file; }
}

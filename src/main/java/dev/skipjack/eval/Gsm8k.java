package dev.skipjack.eval;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GSM8K answer checking: the last number in the model's output against the number after "####" in the reference. */
public final class Gsm8k {
    private Gsm8k() {}

    /** An optional minus, digits (either plain or in thousands groups "1,234"), an optional decimal part. */
    private static final Pattern NUMBER = Pattern.compile("-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?");

    /** The last number in {@code text} ("$1,234.50." gives 1234.50), or empty when there is none. */
    public static Optional<BigDecimal> lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) last = m.group();
        return last == null ? Optional.empty() : Optional.of(new BigDecimal(last.replace(",", "")));
    }

    /** The reference answer: the number after the last "####" of a GSM8K solution. */
    public static BigDecimal referenceAnswer(String solution) {
        int at = solution.lastIndexOf("####");
        String tail = at >= 0 ? solution.substring(at + 4) : solution;
        return lastNumber(tail).orElseThrow(() -> new IllegalArgumentException("no number after '####' in: " + solution));
    }

    /** Whether the output's last number equals the reference answer numerically (so 18 == 18.00). */
    public static boolean correct(String output, String solution) {
        BigDecimal want = referenceAnswer(solution);
        return lastNumber(output).map(n -> n.compareTo(want) == 0).orElse(false);
    }
}

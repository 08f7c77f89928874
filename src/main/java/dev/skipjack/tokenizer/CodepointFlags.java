package dev.skipjack.tokenizer;

/**
 * Unicode category flags of a code point, classified the way llama.cpp's pre-tokenizers see them: general category
 * groups (\p{L}, \p{N}, \p{P}, \p{S}, \p{M}, \p{Z}, \p{C}, unassigned) plus the White_Space property for {@code \s}.
 * Out-of-range positions are represented by flags 0 (no category at all).
 */
final class CodepointFlags {
    static final int UNDEFINED = 0x0001, NUMBER = 0x0002, LETTER = 0x0004, SEPARATOR = 0x0008, MARK = 0x0010,
            PUNCTUATION = 0x0020, SYMBOL = 0x0040, CONTROL = 0x0080, CATEGORIES = 0x00FF, WHITESPACE = 0x0100;

    private static final short[] BMP = new short[0x10000];

    static {
        for (int cp = 0; cp < BMP.length; cp++) BMP[cp] = (short) compute(cp);
    }

    private CodepointFlags() {}

    static int of(int cp) {
        if (cp >= 0 && cp < BMP.length) return BMP[cp];
        return compute(cp);
    }

    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    private static int compute(int cp) {
        if (cp < 0 || cp > Character.MAX_CODE_POINT) return UNDEFINED;
        int category = switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            default -> UNDEFINED;
        };
        return category | (isWhitespace(cp) ? WHITESPACE : 0);
    }
}

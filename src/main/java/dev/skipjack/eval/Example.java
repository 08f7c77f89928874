package dev.skipjack.eval;

import java.util.Map;

/**
 * One evaluation item.
 *
 * @param id        the dataset's identifier (or the line number)
 * @param input     the article, question or code prompt
 * @param reference the reference summary or answer ("" where there is none)
 * @param fields    task-specific extras (HumanEval: {@code test}, {@code entry_point})
 */
public record Example(String id, String input, String reference, Map<String, String> fields) {
    public Example {
        fields = Map.copyOf(fields);
    }

    public Example(String id, String input, String reference) { this(id, input, reference, Map.of()); }

    public String field(String name) {
        String v = fields.get(name);
        if (v == null) throw new IllegalStateException("example " + id + " has no field '" + name + "'");
        return v;
    }
}

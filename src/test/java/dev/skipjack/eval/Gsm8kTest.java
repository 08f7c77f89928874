package dev.skipjack.eval;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class Gsm8kTest {
    @Test
    void lastNumberInTheOutput() {
        assertEquals(new BigDecimal("9"), Gsm8k.lastNumber("16 - 3 - 4 = 9 eggs").orElseThrow());
        assertEquals(new BigDecimal("1234.50"), Gsm8k.lastNumber("It costs $1,234.50.").orElseThrow());
        assertEquals(new BigDecimal("-7"), Gsm8k.lastNumber("The change is -7").orElseThrow());
        assertEquals(new BigDecimal("1000000"), Gsm8k.lastNumber("about 1,000,000 people").orElseThrow());
        assertEquals(new BigDecimal("3"), Gsm8k.lastNumber("1, 2, 3").orElseThrow(), "a list is not a thousands group");
        assertEquals(new BigDecimal("18"), Gsm8k.lastNumber("<<9*2=18>>18").orElseThrow());
        assertEquals(Optional.empty(), Gsm8k.lastNumber("no numbers here"));
    }

    @Test
    void referenceAfterHashes() {
        String solution = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18";
        assertEquals(new BigDecimal("18"), Gsm8k.referenceAnswer(solution));
        assertEquals(new BigDecimal("1200"), Gsm8k.referenceAnswer("...\n#### 1,200"));
        assertTrue(Gsm8k.correct("So she makes 18 dollars.", solution));
        assertTrue(Gsm8k.correct("The answer is 18.00", solution));
        assertFalse(Gsm8k.correct("18 eggs, so 9 * 2 = 20", solution));
        assertFalse(Gsm8k.correct("I don't know", solution));
        assertThrows(IllegalArgumentException.class, () -> Gsm8k.referenceAnswer("#### none"));
    }

    @Test
    void answerStopsAtTheNextQuestion() {
        Gsm8kTask t = new Gsm8kTask();
        Example ex = new Example("0", "How many?", "#### 5");
        assertEquals(1.0, t.score(ex, t.answer(" She has 5.\nQuestion: And 7?\nAnswer: 7")).get("accuracy"));
        assertEquals(0.0, t.score(ex, t.answer(" She has 4.")).get("accuracy"));
        assertEquals("Question: How many?\nAnswer:", Gsm8kTask.format("How many?"));
    }
}

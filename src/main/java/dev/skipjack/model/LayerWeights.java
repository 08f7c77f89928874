package dev.skipjack.model;

import dev.skipjack.tensor.WeightTensor;

/** Weights of one decoder layer; biases and Q/K norms are null where the architecture has none. */
record LayerWeights(
        float[] attnNorm,
        WeightTensor wq, WeightTensor wk, WeightTensor wv, WeightTensor wo,
        float[] bq, float[] bk, float[] bv,
        float[] qNorm, float[] kNorm,
        float[] ffnNorm,
        WeightTensor gate, WeightTensor up, WeightTensor down) {
}

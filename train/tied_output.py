"""The target embedding tied to the output layer (Press & Wolf, 2017), as one Keras layer.

One matrix E (target vocabulary, embedding_dim) both embeds the decoder's input tokens and
scores its output: probabilities = softmax(features E^T + b). It halves the target side's
parameters, and it needs the output layer's input (the attention combination, or the LSTM
output without attention) to be embedding_dim wide. Called plainly it embeds; called with
reverse=True it is the output layer. One layer, so a model saves and loads it as one.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="lstm_seq2seq")
class TiedEmbedding(keras.layers.Layer):
    def __init__(self, input_dim, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim

    def build(self, input_shape=None):
        # The initializer of keras.layers.Embedding, so tying changes only the sharing.
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer="uniform", name="embeddings")
        self.output_bias = self.add_weight(shape=(self.input_dim,), initializer="zeros",
                                           name="output_bias")

    def call(self, inputs, reverse=False):
        if reverse:  # (..., embedding_dim) -> (..., vocabulary) probabilities
            logits = ops.matmul(inputs, ops.transpose(self.embeddings)) + self.output_bias
            return ops.softmax(logits)
        return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

    def compute_output_spec(self, inputs, reverse=False):
        if reverse:
            return keras.KerasTensor(inputs.shape[:-1] + (self.input_dim,), dtype=self.compute_dtype)
        return keras.KerasTensor(inputs.shape + (self.output_dim,), dtype=self.compute_dtype)

    def output_weights(self):
        """(kernel (embedding_dim, vocabulary), bias (vocabulary,)) as numpy arrays, laid out
        as a Dense output layer's."""
        embeddings, bias = self.get_weights()
        return embeddings.T.copy(), bias

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim}

"""The encoder-decoder (keras-io lstm_seq2seq's architecture) with every layer named, and
the inference models derived from a trained one by layer name.

Training model (teacher forcing):
    encoder_tokens (batch, source_len) -> encoder_embedding -> encoder_lstm -> (h, c)
    decoder_tokens (batch, target_len) -> decoder_embedding -> decoder_lstm(initial=(h, c))
        -> decoder_softmax -> probabilities (batch, target_len, target_vocab)
With attention (train/attention.py) the encoder LSTM also returns its per-step outputs, and
each decoder output attends over them before the softmax. The encoder embedding masks PAD_ID
so a padded row ends in exactly the state the unpadded input gives, and attention gives
padding no weight. Decoder padding sits after the real steps, so it cannot affect them, and
the loss ignores it. embedding_dim 0 means one-hot inputs, as in keras-io: a frozen identity
embedding, which is the same function as a one-hot vector times the LSTM's kernel.
"""

import keras
from keras import ops

from runtime.vocabulary import PAD_ID
from train.attention import attend, attention_kind, attention_layers
from train.losses import masked_accuracy, masked_sparse_crossentropy
from train.tied_output import TiedEmbedding

# Inputs and layers of the training model.
ENCODER_TOKENS = "encoder_tokens"
DECODER_TOKENS = "decoder_tokens"
ENCODER_EMBEDDING = "encoder_embedding"
ENCODER_LSTM = "encoder_lstm"
DECODER_EMBEDDING = "decoder_embedding"
DECODER_LSTM = "decoder_lstm"
DECODER_SOFTMAX = "decoder_softmax"
# Dropout layers (training only: the inference models are built without them).
ENCODER_EMBEDDING_DROPOUT = "encoder_embedding_dropout"
DECODER_EMBEDDING_DROPOUT = "decoder_embedding_dropout"
OUTPUT_DROPOUT = "output_dropout"
# Inputs of the single-step decoder model.
STEP_TOKEN = "decoder_token"
STEP_STATE_H = "decoder_state_h"
STEP_STATE_C = "decoder_state_c"
STEP_ENCODER_OUTPUTS = "encoder_outputs"  # with attention: (batch, source_len, latent)
STEP_SOURCE_LENGTHS = "source_lengths"    # with attention: (batch,) real tokens per input


def build_training_model(config, source_vocab_size, target_vocab_size):
    encoder_tokens = keras.Input(shape=(None,), dtype="int32", name=ENCODER_TOKENS)
    decoder_tokens = keras.Input(shape=(None,), dtype="int32", name=DECODER_TOKENS)
    embedded_source = _dropout(config.embedding_dropout, ENCODER_EMBEDDING_DROPOUT)(
        _embedding(config, source_vocab_size, ENCODER_EMBEDDING, mask=True)(encoder_tokens))
    with_attention = config.attention != "none"
    encoder_outputs, state_h, state_c = _lstm(config, ENCODER_LSTM, with_attention)(
        embedded_source)
    target_embedding = (TiedEmbedding(target_vocab_size, config.embedding_dim,
                                      name=DECODER_EMBEDDING) if config.tie_embeddings else
                        _embedding(config, target_vocab_size, DECODER_EMBEDDING, mask=False))
    embedded_target = _dropout(config.embedding_dropout, DECODER_EMBEDDING_DROPOUT)(
        target_embedding(decoder_tokens))
    decoder_outputs, _, _ = _lstm(config, DECODER_LSTM, True)(
        embedded_target, initial_state=[state_h, state_c])
    if with_attention:
        new_layers = attention_layers(config.attention, config.latent_dim,
                                      config.combine_dim or config.latent_dim)
    # (Without attention, combine_dim is unused: the LSTM's output feeds the output layer.)
        decoder_outputs, _ = attend(new_layers.__getitem__, config.attention, decoder_outputs,
                                    encoder_outputs)
    decoder_outputs = _dropout(config.output_dropout, OUTPUT_DROPOUT)(decoder_outputs)
    if config.tie_embeddings:
        probabilities = target_embedding(decoder_outputs, reverse=True)
    else:
        probabilities = keras.layers.Dense(
            target_vocab_size, activation="softmax", name=DECODER_SOFTMAX)(decoder_outputs)
    model = keras.Model([encoder_tokens, decoder_tokens], probabilities, name="seq2seq")
    model.compile(optimizer=_optimizer(config), loss=masked_sparse_crossentropy,
                  metrics=[masked_accuracy])
    return model


def _lstm(config, name, return_sequences):
    return keras.layers.LSTM(config.latent_dim, return_sequences=return_sequences,
                             return_state=True, dropout=config.lstm_dropout,
                             recurrent_dropout=config.recurrent_dropout, name=name)


def _dropout(rate, name):
    """A named Dropout layer, or the identity when rate is 0 (no layer in the model)."""
    return keras.layers.Dropout(rate, name=name) if rate else (lambda x: x)


def _embedding(config, vocab_size, name, mask):
    if config.embedding_dim == 0:  # one-hot
        return keras.layers.Embedding(vocab_size, vocab_size, embeddings_initializer="identity",
                                      trainable=False, mask_zero=mask, name=name)
    return keras.layers.Embedding(vocab_size, config.embedding_dim, mask_zero=mask, name=name)


def _optimizer(config):
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=config.learning_rate)
    return keras.optimizers.Adam(learning_rate=config.learning_rate)


def build_inference_models(model):
    """-> (encoder, decoder_step), sharing the trained layers (found by name).

    encoder:      encoder_tokens (batch, source_len) -> [state_h, state_c] (batch, latent)
    decoder_step: [decoder_token (batch, 1), decoder_state_h, decoder_state_c (batch, latent)]
                  -> [probabilities (batch, target_vocab), state_h, state_c]
    With attention the encoder also returns encoder_outputs (batch, source_len, latent),
    zero past each input's length; the step also takes them and source_lengths (batch,),
    and also returns the step's attention weights (batch, source_len).
    """
    layer = model.get_layer
    kind = attention_kind(model)
    encoder_tokens = keras.Input(shape=(None,), dtype="int32", name=ENCODER_TOKENS)
    encoder_outputs, state_h, state_c = layer(ENCODER_LSTM)(
        layer(ENCODER_EMBEDDING)(encoder_tokens))
    if kind == "none":
        encoder = keras.Model(encoder_tokens, [state_h, state_c], name="encoder")
    else:
        real = keras.layers.Lambda(_real_tokens)(encoder_tokens)
        encoder_outputs = keras.layers.Multiply()([encoder_outputs, real])
        encoder = keras.Model(encoder_tokens, [state_h, state_c, encoder_outputs], name="encoder")

    latent_dim = layer(DECODER_LSTM).units
    token = keras.Input(shape=(1,), dtype="int32", name=STEP_TOKEN)
    state_h_in = keras.Input(shape=(latent_dim,), name=STEP_STATE_H)
    state_c_in = keras.Input(shape=(latent_dim,), name=STEP_STATE_C)
    inputs = [token, state_h_in, state_c_in]
    outputs, new_h, new_c = layer(DECODER_LSTM)(
        layer(DECODER_EMBEDDING)(token), initial_state=[state_h_in, state_c_in])
    if kind != "none":
        memory = keras.Input(shape=(None, layer(ENCODER_LSTM).units), name=STEP_ENCODER_OUTPUTS)
        lengths = keras.Input(shape=(), dtype="int32", name=STEP_SOURCE_LENGTHS)
        inputs += [memory, lengths]
        value_mask = keras.layers.Lambda(_length_mask)([memory, lengths])
        outputs, weights = attend(layer, kind, outputs, memory, value_mask)
    probabilities = (layer(DECODER_EMBEDDING)(outputs, reverse=True) if is_tied(model) else
                     layer(DECODER_SOFTMAX)(outputs))[:, 0, :]  # (batch, 1, vocab) -> (batch, vocab)
    results = [probabilities, new_h, new_c]
    if kind != "none":
        results.append(weights[:, 0, :])  # (batch, 1, source_len) -> (batch, source_len)
    decoder_step = keras.Model(inputs, results, name="decoder_step")
    return encoder, decoder_step


def is_tied(model):
    """Whether the model's output layer is its target embedding (--tie-embeddings)."""
    return isinstance(model.get_layer(DECODER_EMBEDDING), TiedEmbedding)


def output_layer_weights(model):
    """The output layer's (kernel (features, target vocabulary), bias (target vocabulary,)),
    tied to the target embedding or not."""
    if is_tied(model):
        return model.get_layer(DECODER_EMBEDDING).output_weights()
    kernel, bias = model.get_layer(DECODER_SOFTMAX).get_weights()
    return kernel, bias


def _real_tokens(tokens):
    """(batch, source_len) ids -> (batch, source_len, 1) float: 1 for tokens, 0 for PAD_ID.
    Encoder outputs are multiplied by it: a masked Keras LSTM repeats its last output past
    the input's end, ONNX's LSTM with sequence_lens writes zeros; both become zeros."""
    return ops.expand_dims(ops.cast(ops.not_equal(tokens, PAD_ID), "float32"), -1)


def _length_mask(args):
    """(encoder outputs (batch, source_len, latent), lengths (batch,)) -> (batch, source_len)
    bool: True at the first `length` positions of each row."""
    outputs, lengths = args
    positions = ops.arange(ops.shape(outputs)[1], dtype="int32")
    return ops.expand_dims(positions, 0) < ops.expand_dims(ops.cast(lengths, "int32"), 1)

"""Attention over the encoder's per-step outputs, as named Keras layers.

After each decoder LSTM step, the step's output (the query) scores every encoder output,
the scores become weights with a softmax over the input's real tokens only (padding gets
weight 0), and the weighted sum of encoder outputs (the context) is combined with the
query: combined = tanh(W_c [context; query]), which feeds the softmax over target tokens.
This is Luong et al. (2015)'s global attention without input feeding, so a decoding step
still needs only (token, h, c) besides the encoder's outputs. The kinds differ in the score:
    luong       general:  score(q, k) = q^T W_a k          (attention_query = W_a^T q)
    luong-dot   dot:      score(q, k) = q^T k
    bahdanau    additive: score(q, k) = v^T tanh(W_1 q + W_2 k)   (Bahdanau et al. 2015)
The score, mask and softmax are Keras's own Attention / AdditiveAttention layers.
"""

import keras

ATTENTION = "attention"                  # Attention or AdditiveAttention
ATTENTION_QUERY = "attention_query"      # W_a (luong) or W_1 (bahdanau) on the query
ATTENTION_KEY = "attention_key"          # W_2 on the encoder outputs (bahdanau)
ATTENTION_CONCAT = "attention_concat"    # [context; query]
ATTENTION_COMBINE = "attention_combine"  # tanh(W_c [context; query])


# The layers each kind adds to the model, by name.
LAYER_NAMES = {
    "none": (),
    "luong-dot": (ATTENTION, ATTENTION_CONCAT, ATTENTION_COMBINE),
    "luong": (ATTENTION_QUERY, ATTENTION, ATTENTION_CONCAT, ATTENTION_COMBINE),
    "bahdanau": (ATTENTION_QUERY, ATTENTION_KEY, ATTENTION, ATTENTION_CONCAT, ATTENTION_COMBINE),
}


def attention_layers(kind, units, combine_units=None):
    """{layer name: a new layer} for `kind` (none of them for "none"). combine_units: the
    combination's width, which the output layer reads (default `units`)."""
    if kind == "none":
        return {}
    layers = {
        ATTENTION_CONCAT: keras.layers.Concatenate(name=ATTENTION_CONCAT),
        ATTENTION_COMBINE: keras.layers.Dense(combine_units or units, activation="tanh",
                                              name=ATTENTION_COMBINE),
    }
    if kind in ("luong", "bahdanau"):
        layers[ATTENTION_QUERY] = keras.layers.Dense(units, use_bias=False, name=ATTENTION_QUERY)
    if kind == "bahdanau":
        layers[ATTENTION_KEY] = keras.layers.Dense(units, use_bias=False, name=ATTENTION_KEY)
        layers[ATTENTION] = keras.layers.AdditiveAttention(name=ATTENTION)
    else:
        layers[ATTENTION] = keras.layers.Attention(score_mode="dot", name=ATTENTION)
    return layers


def attention_kind(model):
    """Which kind a built model uses, read from its layers (by name)."""
    names = {layer.name for layer in model.layers}
    if ATTENTION not in names:
        return "none"
    if ATTENTION_KEY in names:
        return "bahdanau"
    return "luong" if ATTENTION_QUERY in names else "luong-dot"


def attend(layer, kind, decoder_outputs, encoder_outputs, value_mask=None):
    """-> (combined (batch, target_len, combine_units), weights (batch, target_len, source_len)).

    layer: name -> layer (the new ones while building, model.get_layer afterwards).
    value_mask (batch, source_len) bool: real input tokens. None while training, where the
    encoder embedding's mask reaches the attention layer through the encoder LSTM.
    """
    query = layer(ATTENTION_QUERY)(decoder_outputs) if kind != "luong-dot" else decoder_outputs
    key = layer(ATTENTION_KEY)(encoder_outputs) if kind == "bahdanau" else encoder_outputs
    mask = None if value_mask is None else [None, value_mask, value_mask]
    context, weights = layer(ATTENTION)([query, encoder_outputs, key], mask=mask,
                                        return_attention_scores=True)
    combined = layer(ATTENTION_COMBINE)(layer(ATTENTION_CONCAT)([context, decoder_outputs]))
    return combined, weights

"""What the runtime does for a model imported from a seed tutorial (manifest format 6):
fixed-length padding, the scripts' stopping rule by length, tokens joined by spaces."""

import numpy as np
import pytest

from runtime.beam import Hypothesis
from runtime.errors import ManifestError
from runtime.manifest import Manifest
from runtime.output_limit import OutputLimit
from runtime.tokenize import Tokenizer
from runtime.vocabulary import PAD_ID, RESERVED, fixed_length
from tests.runtime.test_manifest import example

TOKENS = RESERVED + ("a", "bb", "ccc")  # ids 4, 5, 6


def test_the_notebooks_rule_counts_a_space_before_each_token():
    limit = OutputLimit({"separator": " ", "characters": 6}, TOKENS)
    # " a" = 2, " a bb" = 5, " a bb a" = 7 > 6: the token that crosses is kept, as the
    # notebook appends before it checks
    assert limit.kept([4, 5, 4, 6, 6]) == 3
    assert limit.kept([4, 5]) == 2
    assert limit.max_tokens == 6 // 2 + 1  # no output within the limit is longer


def test_keras_ios_rule_is_a_count_of_characters():
    limit = OutputLimit({"separator": "", "characters": 3}, TOKENS[:5])
    assert limit.kept([4] * 10) == 4 == limit.max_tokens  # len("aaaa") > 3


def test_a_cut_hypothesis_keeps_its_scores_and_weights_up_to_the_cut():
    limit = OutputLimit({"separator": " ", "characters": 3}, TOKENS)
    weights = np.arange(8, dtype=np.float32).reshape(4, 2)
    cut = limit.cut(Hypothesis((4, 5, 4), (-0.5, -1.0, -2.0, -0.1), True, weights))
    assert cut.ids == (4, 5) and cut.token_scores == (-0.5, -1.0) and not cut.ended
    assert cut.attention.shape == (2, 2)
    whole = Hypothesis((4,), (-0.5, -0.1), True)
    assert limit.cut(whole) is whole


def test_streams_stop_where_the_rule_cuts():
    limit, seen = OutputLimit({"separator": " ", "characters": 3}, TOKENS), []
    put = limit.streaming(seen.append)
    for id_ in (4, 5, 4, 6):
        put(id_)
    assert seen == [4, 5]


def test_fixed_length_pads_every_row_with_the_padding_token():
    tokens = np.array([[7, 8, PAD_ID], [9, PAD_ID, PAD_ID]], np.int32)
    assert fixed_length(tokens, 5, 4).tolist() == [[7, 8, 4, 4, 4], [9, 4, 4, 4, 4]]
    assert fixed_length(tokens, 2, PAD_ID).tolist() == tokens.tolist()  # already longer


def test_tokens_can_be_joined_by_single_spaces_as_the_notebook_prints_them():
    assert Tokenizer("word", join="spaces").detokenize(["¿", "Qué", "hay", "?"]) == "¿ Qué hay ?"
    assert Tokenizer("word").detokenize(["Hola", "."]) == "Hola."


def imported(**tokenization):
    manifest = example()
    manifest.tokenization.update({"padding": {"fixed_length": 9, "token": " "},
                                  "output_limit": {"separator": "", "characters": 20},
                                  **tokenization})
    return manifest


def test_a_format_6_manifest_round_trips_its_rules():
    manifest = Manifest.from_json(imported(join="spaces").to_json())
    assert manifest.fixed_padding == (9, " ")
    assert Manifest.from_json(imported(padding={"fixed_length": 4, "token": None}).to_json()
                              ).fixed_padding == (4, None)
    assert example().fixed_padding is None


@pytest.mark.parametrize("tokenization, message", [
    ({"padding": {"fixed_length": 0, "token": " "}}, "tokenization.padding must be"),
    ({"padding": "left"}, "tokenization.padding must be"),
    ({"join": "commas"}, "tokenization.join must be one of"),
    ({"output_limit": {"separator": " ", "characters": -1}}, "output_limit must be"),
])
def test_malformed_rules_are_refused(tokenization, message):
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(imported(**tokenization).to_json())


def test_older_formats_cannot_carry_the_rules():
    manifest = example(version=5)
    manifest.tokenization["join"] = "spaces"
    with pytest.raises(ManifestError, match=r"\['join'\] need format 6"):
        Manifest.from_json(manifest.to_json())


def test_a_crossing_last_token_ends_the_output_even_if_end_came_next():
    """The script stopped on length after "bb": the <end> the decoder wrote next was never
    read, so neither its score nor ended=True may stay."""
    limit = OutputLimit({"separator": " ", "characters": 4}, TOKENS)
    cut = limit.cut(Hypothesis((4, 5), (-0.5, -1.0, -0.1), True))
    assert cut.ids == (4, 5) and cut.token_scores == (-0.5, -1.0) and not cut.ended


def test_beam_candidates_are_ranked_again_after_the_cut():
    limit = OutputLimit({"separator": " ", "characters": 4}, TOKENS)
    cut_long = Hypothesis((6, 6, 4), (-0.1, -0.1, -0.1, -0.1), True)     # " ccc ccc": cut
    same_prefix = Hypothesis((6, 6, 5), (-0.1, -0.1, -0.2, -0.1), True)  # the same once cut
    ended = Hypothesis((4,), (-1.0, -1.0), True)
    ranked = limit.cut_ranked([cut_long, same_prefix, ended], length_penalty=0.0)
    assert [h.ids for h in ranked] == [(4,), (6, 6)]  # finished first; duplicates merged
    assert ranked[1].token_scores == (-0.1, -0.1)

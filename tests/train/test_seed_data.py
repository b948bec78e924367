"""train.seed_data: the pairs, vocabularies and lengths the seed scripts built, checked
against benchmarks.seed_scripts (the scripts' code paths, written independently)."""

import json

import pytest

from benchmarks.seed_scripts import KerasIoData, NotebookData
from train.errors import DataError
from train.seed_data import (KERAS_IO, WORD_NOTEBOOK, read_seed_data, recipe_named,
                             with_tokens)

PAIRS = ["Go.\tVa !\tCC-BY 2.0", "Hi there.\tSalut, toi.\tCC-BY 2.0",
         "I'm here!\t¿Estoy aquí?\tCC-BY 2.0", "Who is it?\tQui est-ce ?\tCC-BY 2.0",
         "Stop it.\tArrête ça.\tCC-BY 2.0"]


@pytest.fixture
def pairs_file(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("\n".join(PAIRS) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("num_samples", [2, 5, 100])
def test_keras_io_rebuilds_what_the_script_built(pairs_file, num_samples):
    data, script = read_seed_data(KERAS_IO, pairs_file, num_samples), KerasIoData(pairs_file, num_samples)
    assert [s for s, _ in data.pairs] == script.input_texts
    assert data.source_tokens == script.input_characters
    assert data.target_tokens == script.target_characters  # "\t" and "\n" included
    assert data.max_encoder_seq_length == script.max_encoder_seq_length
    assert data.max_decoder_seq_length == script.max_decoder_seq_length


def test_the_notebook_rebuilds_what_the_notebook_built(pairs_file):
    data, script = read_seed_data(WORD_NOTEBOOK, pairs_file), NotebookData(pairs_file)
    assert [s for s, _ in data.pairs] == script.input_docs
    assert data.source_tokens == script.input_tokens
    assert data.target_tokens == script.target_tokens
    assert data.max_encoder_seq_length == script.max_encoder_seq_length
    # The notebook counts "<START>" and "<END>" as the 3 regex matches each one is.
    assert data.max_decoder_seq_length == script.max_decoder_seq_length == 5 + 6


def test_keras_io_drops_the_last_line_of_a_file_without_a_final_newline(tmp_path):
    """The script slices lines[:len(lines) - 1], assuming a final newline."""
    path = tmp_path / "pairs.txt"
    path.write_text("\n".join(PAIRS), encoding="utf-8")
    assert len(read_seed_data(KERAS_IO, path).pairs) == len(PAIRS) - 1
    assert len(read_seed_data(WORD_NOTEBOOK, path).pairs) == len(PAIRS)


def test_two_columns_and_windows_newlines_read_the_same(tmp_path, pairs_file):
    path = tmp_path / "two.txt"
    path.write_bytes("\r\n".join(p.rsplit("\t", 1)[0] for p in PAIRS).encode() + b"\r\n")
    assert read_seed_data(KERAS_IO, path) == read_seed_data(KERAS_IO, pairs_file)


def test_validation_pairs_are_kerass_last_fifth(pairs_file):
    data = read_seed_data(KERAS_IO, pairs_file)
    assert data.validation_pairs == data.pairs[4:]  # int(5 * 0.8) = 4 pairs trained on


def test_bad_data_and_options_are_named(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("Go.\tVa !\njust one column\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"pairs.txt:2: expected tab-separated input and target"):
        read_seed_data(KERAS_IO, path)
    path.write_bytes(b"Go.\tVa \xff!\n")
    with pytest.raises(DataError, match="not UTF-8"):
        read_seed_data(KERAS_IO, path)
    with pytest.raises(DataError, match="--num-samples must be >= 1"):
        read_seed_data(KERAS_IO, path, 0)
    with pytest.raises(DataError, match="--recipe must be one of"):
        recipe_named("keras")


def test_token_lists_replace_the_rebuild_and_are_checked(tmp_path, pairs_file):
    data = read_seed_data(KERAS_IO, pairs_file)
    lists = tmp_path / "source.json"
    lists.write_text(json.dumps(data.source_tokens + ["Z"]))
    assert with_tokens(data, lists).source_tokens == data.source_tokens + ["Z"]
    for content, message in ((["ab", " "], "single characters"), (["a", "a"], "listed twice"),
                             (["a", "b"], "has no ' '"), ({"a": 1}, "JSON list")):
        lists.write_text(json.dumps(content))
        with pytest.raises(DataError, match=message):
            with_tokens(data, lists)

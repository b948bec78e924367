"""The seed tutorials' data rules (../shared/seeds), for importing the models they trained:
which pairs a script read, the vocabularies it built from them, its padded lengths, its
start and end tokens and its stopping rule. Needs no TensorFlow (python -m s2s_evaluate reads
an imported model's validation pairs with it).

    recipe          keras-io                         word-notebook
    tokens          characters                       [\\w']+|[^\\s\\w] matches
    vocabularies    sorted sets; the target's        sorted sets; the target's
                    includes "\\t" and "\\n"          includes "<START>" and "<END>"
    pairs read      lines[:min(N, len(lines) - 1)]   every non-blank line (first N)
    encoder input   padded with " " to the longest   all-zero rows to the longest input
                    input (max_encoder_seq_length)   (max_encoder_seq_length)
    decoding stops  at "\\n", or once the decoded     at "<END>", or once the decoded
                    string (each token appended)     string (" " + token appended for
                    is longer than                   each) is longer than
                    max_decoder_seq_length           max_decoder_seq_length: a count of
                    (characters, "\\t\\n" included)   regex tokens of "<START> ... <END>"
    validation      Keras's validation_split=0.2: the last fifth of the pairs read

A file may have two columns (input, target) or more (the current manythings.org download
adds an attribution); only the first two are read.
"""

import collections
import dataclasses
import json
import re

from train.errors import DataError

RECIPES = ("keras-io", "word-notebook")
WORD_PATTERN = re.compile(r"[\w']+|[^\s\w]")
VALIDATION_SPLIT = 0.2  # both scripts: model.fit(..., validation_split=0.2)


@dataclasses.dataclass(frozen=True)
class Recipe:
    name: str
    level: str          # the runtime's tokenization level: "char" or "word"
    start: str          # the target token fed first
    end: str            # the target token that ends decoding
    pad: str | None     # the encoder's padding token; None: all-zero rows
    separator: str      # written before each decoded token ("" for characters)
    default_num_samples: int | None  # None: every pair

    def source_tokens(self, text):
        return list(text) if self.level == "char" else WORD_PATTERN.findall(text)


KERAS_IO = Recipe("keras-io", "char", "\t", "\n", " ", "", 10000)
WORD_NOTEBOOK = Recipe("word-notebook", "word", "<START>", "<END>", None, " ", None)
_RECIPES = {recipe.name: recipe for recipe in (KERAS_IO, WORD_NOTEBOOK)}


def recipe_named(name):
    if name not in _RECIPES:
        raise DataError(f"--recipe must be one of {list(RECIPES)}, got {name!r}")
    return _RECIPES[name]


@dataclasses.dataclass(frozen=True)
class SeedData:
    """What a script built from its data file."""
    recipe: Recipe
    pairs: list              # [(input text, target text)] as read, markers not added
    source_tokens: list      # the script's input vocabulary: position = one-hot index
    target_tokens: list
    max_encoder_seq_length: int   # the encoder input's padded length, in tokens
    max_decoder_seq_length: int   # the script's stopping length (see the module docstring)

    @property
    def validation_pairs(self):
        """The pairs Keras's validation_split=0.2 held out: the last fifth (Keras takes
        int(count * (1 - 0.2)) pairs for training)."""
        return self.pairs[int(len(self.pairs) * (1 - VALIDATION_SPLIT)):]


def read_seed_data(recipe, path, num_samples=None):
    """The pairs, vocabularies and lengths the recipe's script built from `path`;
    num_samples: None for the script's default (keras-io: 10,000; the notebook: all)."""
    if num_samples is None:
        num_samples = recipe.default_num_samples
    if num_samples is not None and num_samples < 1:
        raise DataError(f"--num-samples must be >= 1, got {num_samples}")
    try:
        with open(path, "r", encoding="utf-8") as f:  # universal newlines, as the scripts
            lines = f.read().split("\n")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); the "
                        f"scripts read their data as UTF-8") from None
    if recipe is KERAS_IO:  # the script's slice: it drops the last element, the "" after
        numbered = list(enumerate(lines[: min(num_samples, len(lines) - 1)], 1))  # the last \n
    else:
        numbered = [(n, line) for n, line in enumerate(lines, 1) if line][:num_samples]
    pairs = [_pair(path, number, line) for number, line in numbered]
    if not pairs:
        raise DataError(f"{path}: no pairs to read (the {recipe.name} recipe reads "
                        f"tab-separated input and target columns)")
    return _built(recipe, pairs)


def _pair(path, number, line):
    columns = line.split("\t")
    if len(columns) < 2:
        raise DataError(f"{path}:{number}: expected tab-separated input and target columns, "
                        f"found {len(columns)} column ({line[:60]!r})")
    return columns[0], columns[1]


def target_tokens(recipe, text):
    """A target text as the script's decoder reads it, start and end tokens included."""
    if recipe.level == "char":
        return [recipe.start, *text, recipe.end]
    return [recipe.start, *WORD_PATTERN.findall(text), recipe.end]


def _built(recipe, pairs):
    sources = [recipe.source_tokens(source) for source, _ in pairs]
    targets = [target_tokens(recipe, target) for _, target in pairs]
    if recipe.level == "char":
        decoder_length = max(len(t) for t in targets)
    else:  # the notebook counts regex matches of "<START> ... <END>": 3 per marker
        decoder_length = max(len(WORD_PATTERN.findall(" ".join(t))) for t in targets)
    return SeedData(recipe, pairs, sorted({t for s in sources for t in s}),
                    sorted({t for s in targets for t in s}),
                    max(len(s) for s in sources), decoder_length)


def with_tokens(data, source_path=None, target_path=None):
    """The data with vocabularies read from JSON lists (--source-tokens, --target-tokens)
    instead of rebuilt; each must hold what the recipe needs."""
    source, target = data.source_tokens, data.target_tokens
    if source_path:
        source = read_token_list(source_path)
    if target_path:
        target = read_token_list(target_path)
    check_tokens(data.recipe, source, target)
    return dataclasses.replace(data, source_tokens=source, target_tokens=target)


def read_token_list(path):
    try:
        with open(path, encoding="utf-8") as f:
            tokens = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a JSON list of tokens ({error})") from None
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise DataError(f"{path}: expected a JSON list of non-empty strings (position = the "
                        f"token's one-hot index)")
    duplicated = sorted(t for t, n in collections.Counter(tokens).items() if n > 1)
    if duplicated:
        raise DataError(f"{path}: tokens listed twice: {duplicated[:5]}")
    return tokens


def check_tokens(recipe, source, target):
    """DataError unless the vocabularies fit the recipe's tokenization and markers."""
    for side, tokens in (("source", source), ("target", target)):
        if recipe.level == "char" and any(len(t) != 1 for t in tokens):
            raise DataError(f"the {recipe.name} recipe's {side} tokens are single characters; "
                            f"found {[t for t in tokens if len(t) != 1][:5]}")
    needed = [(target, recipe.start, "target"), (target, recipe.end, "target")]
    if recipe.pad is not None:
        needed.append((source, recipe.pad, "source"))
    for tokens, token, side in needed:
        if token not in tokens:
            raise DataError(f"the {side} vocabulary has no {token!r}, which the "
                            f"{recipe.name} script always has; is this the right --recipe?")

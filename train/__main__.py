"""python -m train --out RUN_DIR [--data PATH] [options]: train, or resume, a seq2seq model.

A thin CLI over train.trainer.train: parses options, prints sample outputs, and turns the
project's named errors into one-line messages with exit status 2.
"""

import argparse
import dataclasses
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING chatter

from runtime.manifest import ATTENTIONS
from runtime.tokenize import LEVELS
from runtime.cli import Parser
from train import cluster
from train.cli import USER_ERRORS, epochs_text, fail, require_modules
from train.cluster import CONNECT_TIMEOUT, DISTRIBUTES
from train.config import OPTIMIZERS, PRESETS, VAL_SPLITS, TrainConfig, make_config
from train.errors import ClusterError, ConfigError
from train.lines import check_data_path
from train.sources import FORMATS
from train.subword import ALGORITHMS
from train.token_cache import remove_caches

_HELP = {
    "data": "pairs file, .txt or .zip (default: ../shared/data/fra-eng/fra.txt beside the "
            "project, else the manythings.org fra-eng.zip download)",
    "data_format": "anki (input<TAB>target) or cornell (movie_lines.txt); default: detect",
    "encoding": "text encoding (default: utf-8 for anki, iso-8859-1 for cornell)",
    "num_samples": "use the first N pairs that pass the length limits (0 = all; subword "
                   "level: the first N, then the limits)",
    "max_input_length": "skip pairs whose input has more tokens (0 = no limit)",
    "max_target_length": "skip pairs whose target has more tokens (0 = no limit)",
    "val_fraction": "fraction of the pairs held out for validation",
    "val_split": "validation pairs chosen at random (with --seed) or the last ones",
    "stream": "read the data file in passes into a temporary token cache instead of memory, "
              "for corpora of millions of pairs (anki-format files; --val-split random)",
    "level": "tokens are characters (keras-io), words, or SentencePiece subword pieces",
    "subword_vocab_size": "subword level: pieces per side (reserved tokens and 256 byte "
                          "pieces included)",
    "subword_algorithm": "subword level: SentencePiece's unigram or bpe model",
    "combine_dim": "width of the attention combination layer, the output layer's input "
                   "(0 = latent_dim)",
    "tie_embeddings": "share the target embedding with the output layer (Press & Wolf); "
                      "needs that layer's input to be embedding_dim wide",
    "embedding_dropout": "dropout rate on the embeddings' outputs (training only)",
    "lstm_dropout": "dropout rate on the LSTMs' inputs (training only)",
    "recurrent_dropout": "dropout rate on the LSTMs' recurrent state (training only; slower)",
    "output_dropout": "dropout rate before the output layer (training only)",
    "min_frequency": "rarer tokens become <unk>",
    "max_vocab_size": "char/word level: most frequent tokens kept, 4 reserved included (0 = all)",
    "embedding_dim": "embedding size (0 = one-hot inputs, as keras-io)",
    "latent_dim": "LSTM units, the size of the states h and c",
    "attention": "decoder attention over the encoder outputs: luong (general score), "
                 "luong-dot, bahdanau (additive), or none (the keras-io model)",
    "patience": "stop after this many epochs without a better validation loss (0 = never)",
    "strict": "make any malformed data line an error instead of a counted skip",
    "lowercase": "lowercase all text before tokenizing",
    "learning_rate": "optimizer step size",
    "batch_size": "pairs per batch",
    "epochs": "maximum epochs; a larger value extends a finished run",
    "time_budget_minutes": "stop before an epoch that would overrun this budget (0 = none)",
    "seed": "makes the split, the batches and the weights repeatable",
    "distribute": "none: one device; multi-worker: the cluster in TF_CONFIG (every worker "
                  "runs the same command; see python -m train.launch); mirrored: this "
                  "machine's GPUs",
}


_STOPPED_BY = {"early_stopping": "early stopping", "time_budget": "the time budget"}


def parse_args(argv):
    parser = Parser(prog="python -m train", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="run directory (created; rerun to resume)")
    parser.add_argument("--preset", default="default", choices=sorted(PRESETS),
                        help="defaults to start from; explicit options override them")
    parser.add_argument("--samples", type=int, default=5,
                        help="validation sentences to translate after training")
    parser.add_argument("--quiet", action="store_true", help="no Keras progress output")
    parser.add_argument("--worker-timeout", type=float, default=CONNECT_TIMEOUT,
                        help="multi-worker: seconds to wait for the other workers to join "
                             "before giving up")
    choices = {"distribute": DISTRIBUTES, "data_format": FORMATS, "level": LEVELS,
               "optimizer": OPTIMIZERS, "val_split": VAL_SPLITS, "attention": ATTENTIONS,
               "subword_algorithm": ALGORITHMS}
    for field in dataclasses.fields(TrainConfig):
        if field.name == "preset":
            continue
        flag = "--" + field.name.replace("_", "-")
        shown = f"{_HELP.get(field.name, '')} [default preset: {field.default!r}]".lstrip()
        if isinstance(field.default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                                help=shown)
        else:
            parser.add_argument(flag, type=type(field.default), default=None,
                                choices=choices.get(field.name), help=shown)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    names = {f.name for f in dataclasses.fields(TrainConfig)} - {"preset"}
    overrides = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    try:
        config = make_config(args.preset, **overrides)
        placement = cluster.placement(config.distribute, os.environ)
        if config.distribute == "mirrored":
            cluster.require_gpus()
        if args.worker_timeout <= 0:
            raise ConfigError(f"--worker-timeout must be > 0 seconds, got {args.worker_timeout}")
        if config.data:
            check_data_path(config.data)
        require_modules("python -m train", "train")
        from train.trainer import train  # imports TensorFlow: after the options are known good

        result = train(config, args.out, verbose=0 if args.quiet else "auto",
                       placement=placement, worker_timeout=args.worker_timeout)
        _print_summary(result, config, args.samples)
        if config.distribute == "multi-worker":
            from train.strategies import leave_cluster

            leave_cluster()  # with the others; does not return
    except ClusterError as error:
        fail(error)
        remove_caches()
        sys.stderr.flush()
        os._exit(2)  # TensorFlow's teardown after a cluster failure can block on lost peers
    except USER_ERRORS as error:
        return fail(error)
    except KeyboardInterrupt:
        print(f"\ninterrupted: rerun the same command to resume from the last completed "
              f"epoch in {args.out}", file=sys.stderr)
        return 130
    return 0


def _print_summary(result, config, samples):
    from train.decode import translate
    from train.model import build_inference_models
    from train.trainer import load_best_model

    state = result.state
    if not result.is_chief:
        print(f"worker finished {epochs_text(state.epoch)}; the chief wrote the run directory")
        return
    stopped_by = _STOPPED_BY.get(state.stop_reason, "reaching --epochs")
    print(f"trained {epochs_text(state.epoch)} (stopped by {stopped_by}); "
          f"best validation loss {state.best_val_loss:.4f} at epoch {state.best_epoch}; "
          f"run directory: {result.run.path}")
    if samples <= 0 or not state.epoch:
        return
    encoder, decoder_step = build_inference_models(load_best_model(result.run.path))
    texts = result.data.validation.texts
    step = max(1, len(texts) // samples)  # spread over the split: short to long sentences
    pairs = texts[::step][:samples]
    max_length = result.data.stats()["max_target_length"]
    data = result.data
    outputs = translate(encoder, decoder_step, [source for source, _ in pairs],
                        (data.source_vocab, data.target_vocab), data.tokenizers, max_length)
    print("sample outputs on validation pairs (input -> model | reference):")
    for (source, reference), output in zip(pairs, outputs):
        print(f"  {source} -> {output} | {reference}")


if __name__ == "__main__":
    sys.exit(main())

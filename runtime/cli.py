"""The command-line convention of this project's CLIs: a user's mistake is one line on
stderr, `error: ...`, and exit status 2."""

import argparse


class Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line, like every other bad-input error, instead of the whole usage text."""
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def add_decoding_arguments(parser):
    """The decoding options (runtime.decoding.Decoding) as flags; see decoding_from_args."""
    group = parser.add_argument_group("decoding (default: greedy)")
    group.add_argument("--beam", type=int, metavar="WIDTH", help="beam search of this width")
    group.add_argument("--n-best", type=int, default=1, help="beam search: outputs per input "
                       "(python -m runtime: more than 1 needs --json; python -m s2s_evaluate: 1)")
    group.add_argument("--length-penalty", type=float, default=0.0, help="beam search: GNMT "
                       "alpha; 0 ranks by log-probability, larger favours longer outputs")
    group.add_argument("--min-length", type=int, default=0,
                       help="beam search, sampling: no <end> before this many tokens")
    group.add_argument("--sample", action="store_true", help="draw each token at random")
    group.add_argument("--temperature", type=float, default=1.0, help="sampling: > 0")
    group.add_argument("--top-k", type=int, default=0, help="sampling: from the k likeliest")
    group.add_argument("--top-p", type=float, default=1.0, help="sampling: nucleus, in (0, 1]")
    group.add_argument("--seed", type=int, help="sampling: same seed and text, same output")


def decoding_from_args(args, parser):
    """A runtime.Decoding from add_decoding_arguments' flags; a bad value is a parser error."""
    from runtime.decoding import Decoding

    sampling = any(getattr(args, name) != default for name, default in
                   (("temperature", 1.0), ("top_k", 0), ("top_p", 1.0), ("seed", None)))
    if args.beam is not None and (args.sample or sampling):
        parser.error("--beam and sampling (--sample, --temperature, --top-k, --top-p, --seed) "
                     "are different strategies: choose one")
    if sampling and not args.sample:
        parser.error("--temperature, --top-k, --top-p and --seed apply to --sample: add it")
    beam_only = args.n_best != 1 or args.length_penalty != 0.0
    if beam_only and args.beam is None:
        parser.error("--n-best and --length-penalty apply to beam search: add --beam WIDTH")
    strategy = "beam" if args.beam is not None else "sample" if args.sample else "greedy"
    if strategy == "greedy" and args.min_length:
        parser.error("--min-length applies to --beam or --sample")
    try:
        return Decoding(strategy, beam_width=5 if args.beam is None else args.beam,
                        n_best=args.n_best, length_penalty=args.length_penalty,
                        min_length=args.min_length, temperature=args.temperature,
                        top_k=args.top_k, top_p=args.top_p, seed=args.seed)
    except ValueError as error:
        parser.error(str(error))

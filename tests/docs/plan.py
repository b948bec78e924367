"""What tests/docs does with each command README.md, benchmarks/README.md and serve/README.md
show: run it as typed in a workspace laid out like the project (Run, Server), with tiny models
trained there, or say why CI does not run it (NotRun). A command not listed here fails
test_every_command_is_run_or_marked, so a README edit cannot leave a command unchecked.

Keys are the commands as the READMEs show them (continuations joined, comments cut); the
python examples are keyed by their first line."""

import dataclasses
import typing

from tests.docs import checks

TINY, TINY_SUBWORD = checks.TINY, checks.TINY_SUBWORD


@dataclasses.dataclass(frozen=True)
class Run:
    """Run in the workspace through bash, as typed, after `replace` and with `extra` appended."""
    check: typing.Callable = None  # (Outcome, workspace folder) -> None; raises AssertionError
    extra: str = ""
    replace: tuple = ()  # ((README text, workspace text), ...): placeholders filled in
    stdin: str = ""
    timeout: float = 600

    def command(self, text):
        for old, new in self.replace:
            assert old in text, f"{old!r} is not in {text!r}"
            text = text.replace(old, new)
        return f"{text} {self.extra}".strip()


@dataclasses.dataclass(frozen=True)
class Server(Run):
    """A server run in the background until the next server or the end of its block; the
    commands after it talk to it. `probe` is sent once it answers /health."""
    port: int = 8000
    probe: str = ""


@dataclasses.dataclass(frozen=True)
class NotRun:
    """Not run by CI, for `reason`; its flags are still checked against its --help, its make
    targets against the Makefile, and `check` (a function of the command) runs if given."""
    reason: str
    check: typing.Callable = None


@dataclasses.dataclass(frozen=True)
class Example:
    """A python example run whole in the workspace, then `check` (python source) in its
    namespace. (One CI does not run is a NotRun.)"""
    check: str


SYNOPSIS = "a synopsis with placeholders, not a command; its options are checked against --help"
# An import proves the tutorial's own decode_sequence (about 1 s a sentence in Keras) on 50
# sentences by default; 10 keep CI short.
SCRIPT_PROOF = "--sentences 10"
SEVERAL_MACHINES = "the several-machines recipe: needs other machines to join the Ray cluster"
GATED = (("RUN_DIR", "runs/default"),)

COMMANDS = {
    # README.md: the two commands for a fresh machine
    "make demo": Run(checks.demo, replace=(("make demo", checks.DEMO),)),
    "make test": NotRun("CI's own command (.ci/run runs it), and this test is part of it"),
    # README.md: Install
    "pip install .": NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install ".[train]"': NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install ".[export]"': NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install ".[evaluate]"': NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install ".[plot]"': NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install ".[serve]"': NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install ".[ray]"': NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install ".[dev]"': NotRun(checks.PIP_REASON, checks.extra_exists),
    'pip install --no-deps . && pip install numpy sentencepiece "onnxruntime-gpu>=1.31.1"':
        NotRun("needs a machine with an NVIDIA GPU, and replaces onnxruntime in the "
               "environment", checks.gpu_install_matches_dependencies),
    # README.md: Training
    "python -m train --out RUN_DIR [--data PATH] [options]": NotRun(SYNOPSIS),
    "python -m train --out runs/keras-io --preset keras-io":
        Run(checks.trained("runs/keras-io", level="char", attention="none"), extra=TINY),
    "python -m train --out runs/chat --data ../shared/data/cornell-movie-dialogs/movie_lines.txt"
    " --lowercase --max-input-length 20":
        Run(checks.trained("runs/chat", lowercase=True, max_input_length=20,
                           data_format="auto"), extra=TINY_SUBWORD),
    "python -m export runs/chat exports/chat": Run(checks.exported("exports/chat")),
    "python -m train --out runs/luong --preset word --attention luong":
        Run(checks.trained("runs/luong", level="word", attention="luong"), extra=TINY),
    "python -m export runs/luong exports/luong": Run(checks.exported("exports/luong")),
    "make demo-multi-worker": NotRun("2 minutes of two training processes; "
                                     "tests/train/test_multi_worker.py runs python -m "
                                     "train.launch on a tiny model"),
    'TF_CONFIG=\'{"cluster": {"worker": ["10.0.0.1:12345", "10.0.0.2:12345"]}, "task": '
    '{"type": "worker", "index": 0}}\' python -m train --distribute multi-worker --out runs/big '
    "--data /data/pairs.txt":
        NotRun("needs two machines at 10.0.0.1 and 10.0.0.2; tests/train/test_multi_worker.py "
               "runs such workers on 127.0.0.1", checks.tf_config_is_valid),
    # README.md: Export
    "python -m export RUN_DIR OUT_DIR [--force] [--data PATH] [--sentences 200]":
        NotRun(SYNOPSIS),
    "python -m export RUN_DIR OUT_DIR --quantize int8":
        Run(checks.gated("exports/int8", "int8"), replace=(*GATED, ("OUT_DIR", "exports/int8"))),
    "python -m export RUN_DIR OUT_DIR --shortlist":
        Run(checks.gated("exports/shortlist", "shortlist"),
            replace=(*GATED, ("OUT_DIR", "exports/shortlist"))),
    "python -m export RUN_DIR OUT_DIR --quantize int8 --shortlist":
        Run(checks.gated("exports/int8-shortlist", "int8", "shortlist"),
            replace=(*GATED, ("OUT_DIR", "exports/int8-shortlist"))),
    # README.md: Already trained with the keras-io tutorial? (the workspace holds tiny models
    # the tutorials' code trained, under the names the tutorials give them)
    ".venv/bin/python -m export s2s_model.keras exports/my-keras-io --recipe keras-io "
    "--data fra.txt": Run(checks.exported("exports/my-keras-io"), extra=SCRIPT_PROOF),
    '.venv/bin/python -m runtime exports/my-keras-io "Go." "I\'m home."': Run(checks.lines(2)),
    ".venv/bin/python -m s2s_evaluate exports/my-keras-io": Run(checks.scored),
    ".venv/bin/python -m export training_model.h5 exports/my-chatbot --recipe word-notebook "
    "--data engspan.txt": Run(checks.exported("exports/my-chatbot"), extra=SCRIPT_PROOF),
    # README.md: Runtime
    'python -m runtime exports/default "How are you?" "Thank you."': Run(checks.lines(2)),
    "python -m runtime exports/default < english.txt > french.txt":
        Run(checks.translated_file("english.txt", "french.txt")),
    'python -m runtime exports/default --json "Hi."':
        Run(checks.json_lines(1, checks.RECORD)),
    "python -m runtime exports/chat --chat": Run(checks.chat(2), stdin=checks.CHAT_INPUT),
    'python -m runtime exports/luong "I love you." --heatmap love.png':
        Run(checks.png("love.png")),
    'python -m runtime exports/default --beam 5 "How are you?"': Run(checks.lines(1)),
    'python -m runtime exports/default --json --beam 5 --n-best 3 --scores "Hi."':
        Run(checks.n_best(3)),
    "python -m runtime exports/chat --chat --sample --temperature 0.8 --top-p 0.9 --seed 7":
        Run(checks.chat(2), stdin=checks.CHAT_INPUT),
    # README.md: HTTP service (in a network namespace of its own: port 8000 and Ray's ports)
    "python -m serve exports/default": Server(checks.listened("127.0.0.1:8000")),
    "curl -s localhost:8000/translate -H 'Content-Type: application/json' -d "
    "'{\"text\": \"How are you?\"}'": Run(checks.http_translation),
    "curl -sN localhost:8000/translate/stream -H 'Content-Type: application/json' -d "
    "'{\"text\": \"Hi.\"}'": Run(checks.event_stream),
    "python -m serve.ray exports/default --replicas 2":
        Server(checks.probe_answered, probe=checks.probe(8000)),
    # README.md: Evaluation
    "python -m s2s_evaluate exports/default": Run(checks.scored),
    "python -m s2s_evaluate exports/default --out report.json": Run(checks.report("report.json")),
    "python -m s2s_evaluate exports/default --split all --data my-test-pairs.txt":
        Run(checks.scored_pairs(checks.TEST_PAIRS)),
    # benchmarks/README.md
    "make benchmark-train": NotRun("trains the full default model and the baselines for 5 "
                                   "epochs each"),
    ".venv/bin/python benchmarks/train_speed_memory.py --epochs 5 --our-batch-sizes 64,256":
        NotRun("trains the full default model at 2 batch sizes and the baselines for 5 epochs "
               "each"),
    "make benchmark-stream": NotRun("generates and trains on 2,000,000 pairs (~4 minutes); "
                                    "tests/train/test_streaming.py covers --stream"),
    ".venv/bin/python benchmarks/runtime_settings.py exports/default --sentences 200":
        Run(checks.table_printed),
    "make benchmark-decode": NotRun("trains the default model (12 minutes, make demo) and the "
                                    "keras-io one (8 minutes) first; decode_speed.py itself "
                                    "runs below, on a tiny run"),
    ".venv/bin/python benchmarks/decode_speed.py --run runs/default --run runs/keras-io "
    "--before runs/default=exports/before-default --before runs/keras-io=exports/before-keras-io":
        NotRun("needs exports made before the lean graphs (format 3), by an older version; "
               "the same script runs below on one run"),
    ".venv/bin/python benchmarks/default_decode.py --new exports/default "
    "--old exports/word-default-old":
        Run(checks.result_written("default_decode.json"), extra="--sentences 20 --rounds 1"),
    ".venv/bin/python benchmarks/decode_speed.py --run runs/default "
    "--out benchmarks/results/subword_default":
        Run(checks.written("benchmarks/results/subword_default/decode_speed.json"),
            extra="--sentences 8 --predict-sentences 2"),
    "make benchmark-import": NotRun("the keras-io script trains for 100 epochs (~21 minutes) "
                                    "first; the import runs above, on tiny models the "
                                    "tutorials' code trained"),
    "make benchmark-quality": NotRun("trains several models for 8 minutes each (about 80 "
                                     "minutes)"),
    "make benchmark-attention": NotRun("trains several models for 10 minutes each"),
    "make benchmark-beam": NotRun("needs the models make benchmark-attention trains"),
    ".venv/bin/python benchmarks/serve_load.py --export exports/default --soak-minutes 10":
        NotRun("about 19 minutes, 10 of them a soak; tests/serve covers the engines"),
    ".venv/bin/python benchmarks/engine_throughput.py --export exports/default":
        Run(checks.result_written("engine_throughput.json"), extra="--seconds 0.3 --clients 1,8"),
    ".venv/bin/python benchmarks/serve_hostile.py --export exports/default":
        Run(checks.hostile_survived, extra="--requests 100 --rounds 1"),
    # serve/README.md: one session, in a network namespace of its own (its curl blocks talk
    # to the server its first block starts)
    "python -m serve exports/default --host 0.0.0.0 --port 8080 --threads 2 --timeout 10":
        Server(checks.all_of(checks.listened("0.0.0.0:8080"), checks.probe_answered),
               port=8080, probe=checks.probe(8080)),
    "curl -s localhost:8000/translate -H 'Content-Type: application/json' -d '{\"texts\": "
    "[\"I love you.\", \"Thanks!\"], \"strategy\": \"beam\", \"n_best\": 2}'":
        Run(checks.http_n_best(2, 2)),
    "curl -sN localhost:8000/translate/stream -H 'Content-Type: application/json' -d "
    "'{\"text\": \"Where is the station?\"}'": Run(checks.event_stream),
    "python -m serve.ray exports/default --replicas 2 --host 127.0.0.1 --port 8000 --num-cpus 4":
        Server(checks.probe_answered, probe=checks.probe(8000)),
    "RAY_USAGE_STATS_ENABLED=0 ray start --head --port 6379 --include-dashboard false":
        NotRun(SEVERAL_MACHINES),
    "RAY_USAGE_STATS_ENABLED=0 ray start --address HEAD_IP:6379": NotRun(SEVERAL_MACHINES),
    "python -m serve.ray /abs/path/exports/default --replicas 4 --address auto --host 0.0.0.0":
        NotRun(SEVERAL_MACHINES),
}
# Documents whose code blocks run as one session: serve/README.md's curl blocks talk to the
# server its first block starts.
SESSIONS = {"serve/README.md"}

EXAMPLES = {
    "from runtime import Translator": Example(checks.TRANSLATOR_EXAMPLE),
    "from runtime import Decoding, Scheduler, Translator": Example(checks.SCHEDULER_EXAMPLE),
    "import ray": NotRun("tests/serve/test_ray_app.py deploys the application with these calls, "
                         "on a free port and with an export of its own"),
}

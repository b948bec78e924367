# Two entry points for a fresh machine with Python 3.11 and pip (see README.md):
#   make demo   set up .venv, train the default model on the data at hand, print samples,
#               export it to ONNX, print the parity proofs against Keras, score it on its
#               validation split (BLEU, chrF, exact match), and translate sample sentences
#               through the TensorFlow-free runtime
#   make test   set up .venv, run the whole test suite
# Both reuse .venv; it is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp
RUN_DIR ?= runs/default
EXPORT_DIR ?= exports/default
REPORT ?= $(EXPORT_DIR).evaluation.json
# The figures the READMEs quote; a benchmark script run by hand writes to a scratch folder.
RESULTS ?= benchmarks/results
# More options for the demo's training, e.g. TRAIN_OPTIONS="--time-budget-minutes 3"
# (tests/docs runs the demo this way on a tiny model).
TRAIN_OPTIONS ?=

.PHONY: demo test demo-multi-worker benchmark-stream benchmark-train benchmark-decode benchmark-attention benchmark-beam \
	benchmark-serve benchmark-quality benchmark-import clean

demo: $(STAMP)
	$(VENV)/bin/python -m train --out $(RUN_DIR) $(TRAIN_OPTIONS)
	$(VENV)/bin/python -m export $(RUN_DIR) $(EXPORT_DIR) --force
	$(VENV)/bin/python -m s2s_evaluate $(EXPORT_DIR) --out $(REPORT)
	$(VENV)/bin/python -m runtime $(EXPORT_DIR) --json "Hello!" "How are you?" "I love you." \
		"Where is the station?" "The cat is sleeping."

test: $(STAMP)
	$(VENV)/bin/python -m pytest

# The local multi-worker recipe: 2 workers on 127.0.0.1 (free ports, loopback only where
# Linux allows a network namespace) train a small word model, then the usual export+proofs.
MW_RUN ?= runs/two-workers
demo-multi-worker: $(STAMP)
	$(VENV)/bin/python -m train.launch --workers 2 --out $(MW_RUN) --preset word \
		--num-samples 5000 --epochs 3
	$(VENV)/bin/python -m export $(MW_RUN) exports/two-workers --force

benchmark-stream: $(STAMP)  # --stream's peak RSS at 20k and 2M synthetic pairs (~4 minutes)
	$(VENV)/bin/python benchmarks/stream_memory.py --out $(RESULTS)

benchmark-train: $(STAMP)
	$(VENV)/bin/python benchmarks/train_speed_memory.py --epochs 5 --out $(RESULTS)

benchmark-decode: demo  # the default run, and the keras-io char model (trained once, 8 minutes)
	test -f runs/keras-io/model.keras || \
		$(VENV)/bin/python -m train --out runs/keras-io --preset keras-io --time-budget-minutes 8
	$(VENV)/bin/python benchmarks/decode_speed.py --run $(RUN_DIR) --run runs/keras-io --out $(RESULTS)

benchmark-quality: $(STAMP)  # 9 models, 8 minutes of training each (about 80 minutes)
	$(VENV)/bin/python benchmarks/quality.py --minutes 8 --out $(RESULTS)

benchmark-attention: $(STAMP)
	$(VENV)/bin/python benchmarks/attention_quality.py --minutes 10 --out $(RESULTS)

benchmark-beam: $(STAMP)  # needs the models of benchmark-attention
	$(VENV)/bin/python benchmarks/beam_quality.py --out $(RESULTS)

benchmark-serve: demo  # the HTTP service under load (about 22 minutes, 10 of them a soak)
	$(VENV)/bin/python benchmarks/serve_load.py --export $(EXPORT_DIR) --soak-minutes 10 --out $(RESULTS)
	$(VENV)/bin/python benchmarks/engine_throughput.py --export $(EXPORT_DIR) --out $(RESULTS)
	$(VENV)/bin/python benchmarks/serve_hostile.py --export $(EXPORT_DIR) --out $(RESULTS)

FRA ?= ../shared/data/fra-eng/fra.txt
SEED_MODEL := runs/keras-io-script/s2s_model.keras
benchmark-import: $(STAMP)  # a model the keras-io script trains (100 epochs, ~21 minutes), imported
	test -f $(SEED_MODEL) || $(VENV)/bin/python benchmarks/seed_scripts.py --data $(FRA) \
		--out $(SEED_MODEL)
	$(VENV)/bin/python -m export $(SEED_MODEL) exports/keras-io-script --recipe keras-io \
		--data $(FRA) --sentences 200 --force
	$(VENV)/bin/python benchmarks/seed_decode.py --model $(SEED_MODEL) --out $(RESULTS) \
		--export exports/keras-io-script --data $(FRA) --sentences 100

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[train,export,evaluate,plot,dev,serve,ray]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) runs exports

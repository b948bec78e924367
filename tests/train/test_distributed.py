"""The tf.distribute training loop (train.distributed) with several replicas in one process:
MirroredStrategy over 2 logical CPU devices, the code path of --distribute mirrored on GPUs.
And the per-replica slicing of batches (train.pipeline.replica_dataset)."""

import json
import os
import subprocess
import sys

import numpy as np

from tests.conftest import ROOT, word_pairs
from tests.train.synthetic import write_pairs

LOSS_TOLERANCE = 1e-4  # as tests/train/test_multi_worker.py: float rounding only

# 1,814 pairs, a tenth held out: 1,633 to train, so every epoch ends with a batch of one
# pair, which leaves one replica an empty slice (filled with a row that adds nothing).
MIRRORED = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from train.cluster import Placement
from train.config import make_config
from train.trainer import train
options = json.loads(sys.argv[1])
config = make_config("word", **options)
strategy = None
if config.distribute == "mirrored":
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
train(config, sys.argv[2], verbose=0, placement=Placement(config.distribute), strategy=strategy)
"""


def history(run):
    with open(os.path.join(run, "history.json"), encoding="utf-8") as f:
        return json.load(f)["history"]


def test_two_replicas_in_one_process_match_one_device(tmp_path):
    data = write_pairs(tmp_path / "pairs.txt", word_pairs(1814))
    options = dict(data=str(data), num_samples=0, attention="luong", embedding_dim=8,
                   latent_dim=16, batch_size=32, patience=0, epochs=3, seed=5,
                   val_fraction=0.1)
    runs = {}
    for distribute in ("none", "mirrored"):
        runs[distribute] = tmp_path / distribute
        result = subprocess.run([sys.executable, "-c", MIRRORED,
                                 json.dumps({**options, "distribute": distribute}),
                                 str(runs[distribute])], cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
    ours, reference = history(runs["mirrored"]), history(runs["none"])
    for name in ("loss", "val_loss", "masked_accuracy", "val_masked_accuracy"):
        np.testing.assert_allclose(ours[name], reference[name], atol=LOSS_TOLERANCE, rtol=0)


def test_replica_slices_cover_each_pair_once_and_pad_empty_ones():
    from runtime.vocabulary import PAD_ID
    from train.dataset import Split
    from train.model import DECODER_TOKENS, ENCODER_TOKENS
    from train.pipeline import replica_dataset

    sources = [np.arange(1, n + 1, dtype=np.int32) + 3 for n in (1, 2, 3, 4, 5)]
    targets = [np.array([1, *range(4, 4 + n), 2], dtype=np.int32) for n in (1, 1, 2, 2, 3)]
    split = Split([], sources, targets)
    batches = [np.array([0, 1, 2]), np.array([3]), np.array([4])]
    elements = list(replica_dataset(split, batches, 2, range(2)).as_numpy_iterator())
    assert len(elements) == 6  # (batch, replica) pairs
    for (inputs, labels, tokens, rows), batch in zip(elements, [b for b in batches for _ in "ab"]):
        assert rows == len(batch)  # the global batch's rows and real tokens, on each replica
        assert tokens == sum(len(targets[i]) - 1 for i in batch)
    # batch [0, 1, 2] splits 2 + 1; [3] and [4] leave replica 1 one all-padding label row
    assert [e[1].shape[0] for e in elements] == [2, 1, 1, 1, 1, 1]
    assert (elements[3][1] == PAD_ID).all() and (elements[5][1] == PAD_ID).all()
    assert (elements[3][0][ENCODER_TOKENS] != PAD_ID).all()
    assert sum(int((e[1] != PAD_ID).sum()) for e in elements) == \
        sum(len(t) - 1 for t in targets)
    assert elements[0][0][DECODER_TOKENS].shape == (2, 2)  # padded to its own longest

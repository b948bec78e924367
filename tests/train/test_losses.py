import numpy as np

from train.losses import masked_accuracy, masked_sparse_crossentropy


def test_padding_positions_do_not_count():
    labels = np.array([[5, 6, 0, 0]], dtype=np.int32)
    probabilities = np.full((1, 4, 8), 0.01, dtype=np.float32)
    probabilities[0, 0, 5] = probabilities[0, 1, 1] = 0.93
    probabilities[0, 2:, 7] = 0.93  # wrong but padded: ignored
    loss = float(masked_sparse_crossentropy(labels, probabilities))
    np.testing.assert_allclose(loss, -(np.log(0.93) + np.log(0.01)) / 2, rtol=1e-5)
    assert float(masked_accuracy(labels, probabilities)) == 0.5

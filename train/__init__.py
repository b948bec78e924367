"""Training: data loaders, the Keras encoder-decoder, and the resumable training loop.

`python -m train --help` for the CLI. Importing this package does not import TensorFlow;
`train.trainer`, `train.model` and `train.decode` do.
"""

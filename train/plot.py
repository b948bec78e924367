"""The training-curve PNG: loss and accuracy per epoch, training and validation."""

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from runtime.atomic import atomic_path  # noqa: E402


def plot_history(history, path, title, best_epoch=0):
    """history: {"loss": [...], "val_loss": [...], "masked_accuracy": [...], ...};
    best_epoch (1-based; 0 = none): the epoch model.keras holds, marked on both plots."""
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = range(1, len(history.get("loss", [])) + 1)
    for axis, metric, label in ((loss_axis, "loss", "loss (real tokens)"),
                                (accuracy_axis, "masked_accuracy", "accuracy (real tokens)")):
        for prefix, style in (("", "-o"), ("val_", "-s")):
            values = history.get(prefix + metric)
            if values:
                axis.plot(epochs, values, style, markersize=3,
                          label="validation" if prefix else "training")
        if best_epoch:
            axis.axvline(best_epoch, color="grey", linestyle="--", linewidth=1,
                         label=f"best (epoch {best_epoch}): model.keras")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=100)
    plt.close(figure)

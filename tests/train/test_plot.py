"""The training curve marks the epoch whose weights model.keras holds."""

import pytest

from train import plot

HISTORY = {"loss": [3.0, 2.0, 2.5], "val_loss": [3.1, 2.2, 2.4],
           "masked_accuracy": [0.1, 0.3, 0.2], "val_masked_accuracy": [0.1, 0.25, 0.2]}


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """-> draw(best_epoch) -> the figure plot_history drew (kept from plt.close)."""
    closed = []
    monkeypatch.setattr(plot.plt, "close", closed.append)

    def draw(best_epoch):
        plot.plot_history(HISTORY, tmp_path / "curve.png", "run", best_epoch=best_epoch)
        assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        return closed[-1]
    return draw


def test_the_best_epoch_is_marked_on_both_plots(drawn):
    for axis in drawn(2).axes:
        marks = [line for line in axis.get_lines() if line.get_label().startswith("best")]
        assert len(marks) == 1 and list(marks[0].get_xdata()) == [2, 2]
        legend = [text.get_text() for text in axis.get_legend().get_texts()]
        assert legend == ["training", "validation", "best (epoch 2): model.keras"]


def test_no_mark_without_a_best_epoch(drawn):
    for axis in drawn(0).axes:
        assert [line.get_label() for line in axis.get_lines()] == ["training", "validation"]

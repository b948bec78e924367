"""An attention heat map as a PNG: output tokens down, input tokens across, one cell per
weight. Drawing needs matplotlib, the only import here beyond the runtime's own, and it is
imported only when a heat map is asked for: `pip install ".[plot]"`."""

from runtime.atomic import atomic_path

_MAX_CELLS = 300  # longer inputs or outputs make unreadable labels; refuse, don't mislead


def save_heatmap(translation, path, title=None):
    """Write translation.attention (from translate_detailed(..., attention=True)) to `path`,
    atomically. ValueError if there are no weights or they do not fit on a picture."""
    weights = translation.attention
    if weights is None:
        raise ValueError("this translation carries no attention weights: ask for them with "
                         "translate_detailed(texts, attention=True) on an attention model")
    rows, columns = weights.shape
    if not rows or not columns:
        raise ValueError(f"nothing to draw: the translation has {rows} output and {columns} "
                         f"input tokens")
    if max(rows, columns) > _MAX_CELLS:
        raise ValueError(f"{rows} output x {columns} input tokens is too large for a readable "
                         f"heat map (at most {_MAX_CELLS} either way)")
    figure = _figure(weights, translation.source_tokens, translation.tokens, title)
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, format="png", dpi=100)


def _figure(weights, source_tokens, output_tokens, title):
    try:  # the object API, not pyplot: no global state, safe inside a threaded service
        from matplotlib.figure import Figure
    except ImportError:
        raise ValueError("drawing a heat map needs matplotlib, which is not installed: "
                         "pip install matplotlib (or the project's [plot] extra)") from None
    rows, columns = weights.shape
    figure = Figure(figsize=(min(2 + 0.35 * columns, 40), min(1.5 + 0.35 * rows, 40)))
    axis = figure.add_subplot()
    image = axis.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    # parse_math=False: a "$" in the text is a character, not the start of a formula
    axis.set_xticks(range(columns), labels=[_shown(t) for t in source_tokens], rotation=90,
                    parse_math=False)
    axis.set_yticks(range(rows), labels=[_shown(t) for t in output_tokens], parse_math=False)
    axis.set_xlabel("input tokens")
    axis.set_ylabel("output tokens")
    if title:
        axis.set_title(title, parse_math=False, fontsize="medium", wrap=True)
    figure.colorbar(image, ax=axis, label="attention weight")
    figure.tight_layout()
    return figure


def _shown(token):
    """Char-level spaces would be invisible labels."""
    return "␣" if token == " " else token

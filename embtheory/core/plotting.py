"""The house figure style: readable, colour-blind-safe (Okabe-Ito), saved as PNG and PDF.

Example:
    >>> import tempfile
    >>> with house_style():
    ...     fig, ax = new_figure()
    ...     _ = ax.plot([1, 2], [3, 4], color=PALETTE[0], label="ours")
    ...     paper_overlay(ax, [1, 2], [3.1, 3.9])
    ...     paths = save_figure(fig, tempfile.mkdtemp(), "demo")
    >>> [p.suffix for p in paths]
    ['.png', '.pdf']
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg") if os.environ.get("MPLBACKEND") is None else None
import matplotlib.pyplot as plt  # noqa: E402

__all__ = [
    "MARKERS",
    "PALETTE",
    "house_style",
    "integer_axis",
    "legend_outside",
    "new_figure",
    "paper_overlay",
    "save_figure",
]

#: Okabe & Ito (2008), distinguishable under the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

_RC = {
    "figure.dpi": 110,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.5,
    "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE)),
    "pdf.fonttype": 42,
}


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """A context in which matplotlib uses the house style."""
    with plt.rc_context(_RC):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 4.2, height: float = 3.2, **kw):
    """A figure of ``nrows x ncols`` panels, each ``width x height`` inches.

    Returns ``(fig, ax)`` for one panel and ``(fig, axes)`` with ``axes`` always 2-D
    (``axes[row, col]``) for several, so code indexing panels never depends on the layout.
    """
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=nrows * ncols == 1,
                        constrained_layout=True, **kw)


def paper_overlay(ax, x: Sequence[float], y: Sequence[float], *, label: str = "paper", **kw) -> None:
    """Overlays the paper's published values: black open markers, drawn on top."""
    style = dict(marker="o", linestyle="none", markerfacecolor="none", markeredgecolor="black",
                 markeredgewidth=1.0, markersize=5.5, zorder=5, label=label)
    style.update(kw)
    ax.plot(x, y, **style)


def integer_axis(ax, values: Sequence[float], *, axis: str = "x", pad: float = 0.4) -> None:
    """Ticks at exactly ``values`` (integers such as d) and limits that leave no empty slot.

    Matplotlib's default locator puts ticks at 4.5 or 5.5 on an axis of dimensions, and its
    margins can show a slot where nothing was run; this axis shows what was run and only that.
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    vals = sorted({int(v) for v in values})
    if not vals:
        raise ValueError("values must hold at least one tick, got an empty sequence")
    set_ticks, set_lim = (ax.set_xticks, ax.set_xlim) if axis == "x" else (ax.set_yticks, ax.set_ylim)
    step = -(-len(vals) // 10)  # at most ten labels: more overlap on a panel of a few inches
    set_ticks(vals[::step])
    set_lim(vals[0] - pad, vals[-1] + pad)


def legend_outside(ax, **kw) -> None:
    """The legend to the right of the axes, where it cannot cover data (figures with many entries)."""
    style = dict(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    style.update(kw)
    ax.legend(**style)


def save_figure(fig, out_dir: str | os.PathLike, stem: str, *, formats=("png", "pdf")) -> list[Path]:
    """Saves ``fig`` as ``out_dir/stem.{png,pdf}`` and closes it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        fig.savefig(path)
        paths.append(path)
    plt.close(fig)
    return paths

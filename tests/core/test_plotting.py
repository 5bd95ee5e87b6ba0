"""The house figure style writes a PNG and a PDF of each figure."""

from __future__ import annotations

from embtheory.core.plotting import house_style, new_figure, paper_overlay, save_figure


def test_plot_writes_png_and_pdf(tmp_path):
    with house_style():
        fig, ax = new_figure()
        ax.plot([1, 2], [1, 2])
        paper_overlay(ax, [1, 2], [1.1, 2.1])
        paths = save_figure(fig, tmp_path / "figs", "demo")
    assert [p.name for p in paths] == ["demo.png", "demo.pdf"]
    assert all(p.stat().st_size > 1000 for p in paths)

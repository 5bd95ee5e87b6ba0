"""The documentation's quick start runs as written against the current API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)


@pytest.mark.data
def test_quickstart_snippets_run_in_order(monkeypatch, tmp_path, capsys):
    page = DOCS / "quickstart.md"
    if not page.exists():
        pytest.skip("docs/ is not part of this checkout")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMBTHEORY_OFFLINE", "1")  # the data snippets read ../shared/data
    blocks = _python_blocks(page)
    assert len(blocks) >= 5
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"quickstart.md block {i}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "(50, 200)" in out  # the Gram matrix's shape
    assert "46 1000 2000" in out  # LIMIT-small's sizes
    assert "docs contains NaN or inf (first in row 1)" in out

"""Counts the distinct bad inputs the fuzz suite exercised and prints the count at the end."""

from __future__ import annotations

from fuzz_eval import SEEN


def pytest_terminal_summary(terminalreporter):
    if SEEN:
        terminalreporter.write_line(f"fuzz: {len(SEEN)} distinct bad inputs exercised")

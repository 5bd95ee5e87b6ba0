"""The built site must render without a network: no script, stylesheet or font from another host.

Used by ``conf.py`` after every build (the build fails on a remote asset) and by the test suite.
"""

from __future__ import annotations

import re
from pathlib import Path

_TAG = re.compile(r"<(script|link)\b[^>]*>", re.IGNORECASE)
_REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf"\b{name}\s*=\s*[\"']([^\"']*)[\"']", tag, re.IGNORECASE)
    return None if m is None else m.group(1)


def remote_assets(html: str) -> list[str]:
    """The URLs of the scripts and stylesheets of one page that live on another host.

    Links that are not assets (``rel="canonical"``, anchors to other sites) are fine.
    """
    found = []
    for m in _TAG.finditer(html):
        tag = m.group(0)
        if m.group(1).lower() == "script":
            url = _attr(tag, "src")
        else:
            rel = (_attr(tag, "rel") or "").lower().split()
            url = _attr(tag, "href") if {"stylesheet", "preload", "modulepreload"} & set(rel) else None
        if url and _REMOTE.match(url):
            found.append(url)
    return found


def check_site(outdir: str | Path) -> dict[str, list[str]]:
    """``{page: [remote asset URLs]}`` for every HTML page under ``outdir`` that has any."""
    bad = {}
    for page in sorted(Path(outdir).rglob("*.html")):
        urls = remote_assets(page.read_text(encoding="utf-8", errors="replace"))
        if urls:
            bad[str(page.relative_to(outdir))] = urls
    return bad


def mathjax_present(outdir: str | Path) -> bool:
    """Whether the local MathJax the pages load was copied into the site."""
    return (Path(outdir) / "_static" / "mathjax" / "tex-chtml.js").is_file()

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


def _browser() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def rendered_maths(page: str | Path, *, browser: str, timeout: float = 120.0) -> tuple[int, int]:
    """``(formulas typeset, MathJax errors)`` of one built page, rendered by a headless browser whose
    host resolver is off: what a reader without a network sees."""
    import subprocess

    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
           "--virtual-time-budget=15000", "--dump-dom", Path(page).resolve().as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
    return dom.count("<mjx-container"), dom.count("<mjx-merror")


def main(argv: list[str] | None = None) -> int:
    """``python docs/_offline.py SITE [PAGE ...]``: no remote assets, and, where a Chromium is installed,
    the maths of each PAGE (default: the theory pages) typeset offline."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    site = Path(args[0])
    bad = check_site(site)
    if bad:
        print(f"remote assets: {bad}")
        return 1
    if not mathjax_present(site):
        print(f"no local MathJax under {site}/_static/mathjax")
        return 1
    browser = _browser()
    if browser is None:
        print("no headless Chromium found: maths rendering not checked (the site loads no remote asset)")
        return 0
    failed = 0
    for name in args[1:] or ["signrank.html", "qkernels.html", "depth.html"]:
        typeset, errors = rendered_maths(site / name, browser=browser)
        print(f"{name}: {typeset} formulas typeset offline, {errors} MathJax errors")
        failed += typeset == 0 or errors > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

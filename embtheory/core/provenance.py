"""Provenance of a result: package versions, git commit, devices, host."""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["git_commit", "provenance", "versions"]


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def git_commit() -> str | None:
    """The commit of the checkout embtheory runs from (``+dirty`` if modified), else None."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def versions() -> dict[str, str | None]:
    """Versions of embtheory and the libraries whose behaviour its numbers depend on."""
    return {name: _version(name) for name in
            ("embtheory", "jax", "jaxlib", "flax", "optax", "chex", "numpy", "scipy", "pennylane")}


@functools.cache
def _static() -> dict:
    import jax

    devices = jax.devices()
    return {
        "versions": versions(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "backend": jax.default_backend(),
        "devices": [f"{d.platform}:{d.device_kind}" for d in devices],
        "process_count": jax.process_count(),
    }


def provenance() -> dict:
    """Everything a result needs to say where it came from (x64 is read live)."""
    import jax

    return {**_static(), "x64": bool(jax.config.jax_enable_x64)}

"""embtheory: a JAX research framework for the theory of embeddings.

Subpackages (imported on first use, so that ``import embtheory`` stays light):

- :mod:`embtheory.signrank`: free-embedding sign-rank optimisation (LIMIT).
- :mod:`embtheory.qkernels`: exponential concentration of quantum kernels (PennyLane).
- :mod:`embtheory.depth`: statistical depth of embeddings (TTE depth and others).
- :mod:`embtheory.encoders`: a Flax sentence encoder (all-MiniLM-L6-v2).
- :mod:`embtheory.data`: the datasets the experiments use.
- :mod:`embtheory.core`: keys, pairwise maps, validation, results store, sharding, plotting.
"""

from __future__ import annotations

import importlib
from importlib import metadata

try:
    __version__ = metadata.version("embtheory")
except metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

_SUBPACKAGES = ("core", "data", "depth", "encoders", "qkernels", "signrank")

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"embtheory.{name}")
    raise AttributeError(f"module 'embtheory' has no attribute {name!r}")

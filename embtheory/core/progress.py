"""Progress bars: tqdm, quiet when asked, sparse when the output is not a terminal."""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm

__all__ = ["progress"]


def progress(iterable=None, *, total=None, desc=None, enabled=True, initial=0, unit="it"):
    """A tqdm bar; ``enabled=False`` or ``EMBTHEORY_PROGRESS=0`` silences it.

    Off a terminal (CI, log files) it prints at most one line every 30 seconds.
    """
    from embtheory.core.validation import check_bool

    disable = (not check_bool(enabled, "enabled")) or os.environ.get("EMBTHEORY_PROGRESS", "1") == "0"
    mininterval = 0.1 if sys.stderr.isatty() else 30.0
    return tqdm(iterable, total=total, desc=desc, disable=disable, initial=initial,
                unit=unit, mininterval=mininterval, dynamic_ncols=True, leave=True)

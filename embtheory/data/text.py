"""The sentence-classification corpora of Kim (2014): SST-2, MR, SUBJ, CR, TREC, MPQA.

Each file has one example per line: the integer class label, a space, then the tokenised
sentence. Most files are UTF-8; MR, SUBJ and one line of TREC's training set are in Windows-1252
(e.g. ``clich\\xe9s``), so each line is decoded as UTF-8 and, failing that, as Windows-1252.
CR and MPQA contain a few empty sentences (4 and 3); they are kept, so that the sizes match the
published ones (Kim 2014, Table 1: MR 10,662; SST-2 9,613; SUBJ 10,000; TREC 5,952; CR 3,775;
MPQA 10,606).

Only SST-2 (train/dev/test) and TREC (train/test) have standard splits; the others are used
with cross-validation, so they have only ``split="all"``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embtheory.core.validation import check_choice
from embtheory.data.cache import DataError, fetch

__all__ = ["TEXT_SPLITS", "TextData", "load_text"]


class TextData(NamedTuple):
    """A labelled sentence corpus (unpacks as ``sentences, labels = load_text(...)``).

    Attributes:
        sentences: ``n`` strings, in file order.
        labels: int64 ``[n]`` class labels (0/1; TREC 0-5).
    """

    sentences: list[str]
    labels: np.ndarray

TEXT_SPLITS: dict[str, dict[str, str]] = {
    "sst2": {"train": "stsa.binary.train", "dev": "stsa.binary.dev", "test": "stsa.binary.test"},
    "mr": {"all": "rt-polarity.all"},
    "subj": {"all": "subj.all"},
    "cr": {"all": "custrev.all"},
    "trec": {"train": "TREC.train.all", "test": "TREC.test.all"},
    "mpqa": {"all": "mpqa.all"},
}
"""For each corpus, its splits and the file that holds each."""


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _read(path: Path) -> tuple[list[str], list[int]]:
    sentences, labels = [], []
    for lineno, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        line = _decode(raw).strip()
        if not line:
            continue
        label, _, sentence = line.partition(" ")
        if not label.isdigit():
            raise DataError(f"{path} line {lineno} does not start with an integer label: "
                            "delete the file and fetch it again")
        labels.append(int(label))
        sentences.append(sentence.strip())
    return sentences, labels


def load_text(name: str, split: str = "all", *, root: str | os.PathLike | None = None,
              base_url: str | None = None) -> TextData:
    """Loads a sentence-classification corpus, fetching it if needed.

    Args:
        name: ``"sst2"``, ``"mr"``, ``"subj"``, ``"cr"``, ``"trec"`` or ``"mpqa"``.
        split: ``"all"`` (every split, concatenated in the order train, dev, test), or one of the
            corpus's own splits (:data:`TEXT_SPLITS`): SST-2 has ``train``/``dev``/``test``,
            TREC ``train``/``test``, the others none.
        root: the data directory; default :func:`~embtheory.data.data_dir`.
        base_url: a download mirror, as for :func:`~embtheory.data.fetch`.

    Returns:
        A :class:`TextData` ``(sentences, labels)``: a list of ``n`` strings and int64 labels
        ``[n]`` (0/1; TREC 0-5).

    Example:
        >>> sentences, labels = load_text("sst2", "dev")   # doctest: +SKIP
        >>> len(sentences), labels.shape                    # doctest: +SKIP
        (872, (872,))
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a corpus name (a str, one of {sorted(TEXT_SPLITS)}), got {name!r}")
    check_choice(name, "name", TEXT_SPLITS)
    splits = TEXT_SPLITS[name]
    allowed = ["all", *(s for s in splits if s != "all")]
    if split not in allowed:
        raise ValueError(
            f"split must be one of {allowed} for {name!r}, got {split!r}"
            + ("" if len(allowed) > 1 else f": {name} has no standard split; use split='all' and "
               "cross-validate")
        )
    files = fetch(name, root=root, base_url=base_url)
    chosen = list(splits.values()) if split == "all" else [splits[split]]
    sentences: list[str] = []
    labels: list[int] = []
    for file_name in chosen:
        s, y = _read(files[file_name])
        sentences += s
        labels += y
    return TextData(sentences, np.asarray(labels, dtype=np.int64))

"""The MNIST test set (LeCun et al.), read from its gzip-compressed IDX files.

IDX is a big-endian binary format: two zero bytes, a type code (``0x08`` = unsigned byte), the
number of dimensions ``k``, then ``k`` big-endian uint32 sizes, then the values in C order. The
test set holds 10,000 images of 28x28 pixels (0 = background, 255 = ink) and their labels 0-9.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embtheory.core.validation import check_int
from embtheory.data.cache import DataError, fetch

__all__ = ["MnistData", "load_mnist", "read_idx"]


class MnistData(NamedTuple):
    """The MNIST test set (unpacks as ``images, labels = load_mnist()``).

    Attributes:
        images: uint8 ``[10000, 28, 28]``, 0 = background, 255 = ink.
        labels: int64 ``[10000]``, the digits 0-9.
    """

    images: np.ndarray
    labels: np.ndarray

_UBYTE = 0x08


def read_idx(path: str | os.PathLike, *, ndim: int) -> np.ndarray:
    """Reads an unsigned-byte IDX file (gzip-compressed when its name ends in ``.gz``).

    Args:
        path: the file.
        ndim: the number of dimensions it must have (3 for images, 1 for labels).

    Returns:
        uint8 array of the shape the header declares.

    Raises:
        DataError: the file is not an unsigned-byte IDX file of ``ndim`` dimensions, or its
            length does not match its header.
    """
    ndim = check_int(ndim, "ndim", minimum=1, maximum=255)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike), got {path!r}")
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path} is a folder, not an IDX file")
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"cannot read {path} ({e}): delete it and fetch the dataset again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _UBYTE or raw[3] != ndim:
        raise DataError(f"{path} is not an unsigned-byte IDX file with {ndim} dimensions "
                        f"(header {raw[:4].hex()}): delete it and fetch the dataset again")
    header = 4 + 4 * ndim
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    if len(raw) - header != int(np.prod(shape)):
        raise DataError(f"{path} holds {len(raw) - header} values but its header declares shape {shape}: "
                        "delete it and fetch the dataset again")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def load_mnist(*, root: str | os.PathLike | None = None,
               base_url: str | None = None) -> MnistData:
    """Loads the MNIST test set, fetching it if needed.

    Args:
        root: the data directory; default :func:`~embtheory.data.data_dir`.
        base_url: a download mirror, as for :func:`~embtheory.data.fetch`.

    Returns:
        A :class:`MnistData` ``(images, labels)``: uint8 ``[10000, 28, 28]`` and int64 ``[10000]``.

    Example:
        >>> images, labels = load_mnist()             # doctest: +SKIP
        >>> images.shape, labels[:5].tolist()         # doctest: +SKIP
        ((10000, 28, 28), [7, 2, 1, 0, 4])
    """
    files = fetch("mnist", root=root, base_url=base_url)
    images = read_idx(files["t10k-images-idx3-ubyte.gz"], ndim=3)
    labels = read_idx(files["t10k-labels-idx1-ubyte.gz"], ndim=1).astype(np.int64)
    if images.shape[0] != labels.shape[0]:
        raise DataError(f"MNIST has {images.shape[0]} images but {labels.shape[0]} labels: "
                        "delete the mnist folder of the data directory and fetch it again")
    return MnistData(images, labels)

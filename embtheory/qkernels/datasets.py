"""The paper's data: MNIST 0 vs 1 reduced by PCA to ``n`` angles, and uniform random angles.

MNIST as in the paper's scripts: pixels / 255, the mean image subtracted, PCA to ``n`` components
used directly as rotation angles (no rescaling), and the first ``N_s / 2`` images of each class.
The PCA is fitted on all the 0 and 1 images of the set (NumPy SVD), then the first ``N_s / 2`` of
each class are kept.  Images come from :func:`embtheory.data.load_mnist` (the MNIST test set).
"""

from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import check_int

__all__ = ["mnist_pca", "uniform_angles"]


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


@functools.cache
def _mnist() -> tuple[np.ndarray, np.ndarray]:
    try:
        from embtheory.data import load_mnist
    except ImportError:  # the data layer is not there yet: read the shared IDX files directly
        root = os.environ.get("EMBTHEORY_DATA")
        folder = Path(root) / "mnist" if root else None
        if folder is None or not folder.is_dir():
            raise FileNotFoundError(
                "MNIST not found: install the data layer (embtheory.data) or set EMBTHEORY_DATA to a "
                "folder with mnist/t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz"
            ) from None
        return (_read_idx(folder / "t10k-images-idx3-ubyte.gz"),
                _read_idx(folder / "t10k-labels-idx1-ubyte.gz").astype(np.int64))
    images, labels = load_mnist()
    return np.asarray(images), np.asarray(labels)


@functools.cache
def _pca_projection(classes: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """All images of ``classes`` projected on every principal component (computed once)."""
    images, labels = _mnist()
    keep = np.isin(labels, classes)
    pix = images[keep].reshape(int(keep.sum()), -1).astype(np.float64) / 255.0
    pix = pix - pix.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(pix, full_matrices=False)
    big = vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)]
    vt = vt * np.where(big < 0, -1.0, 1.0)[:, None]  # fixed signs: each component's largest weight > 0
    return pix @ vt.T, labels[keep]


def mnist_pca(n_components: int, n_samples: int, *, classes: tuple[int, int] = (0, 1),
              dtype=None) -> tuple[jax.Array, jax.Array]:
    """MNIST ``classes[0]`` vs ``classes[1]``, PCA to ``n_components`` angles, ``n_samples / 2`` per class.

    Args:
        n_components: ``n``, the number of qubits (1..784).
        n_samples: ``N_s``, even.
        classes: the two digits.
        dtype: float dtype of the angles (default: JAX's default float).

    Returns:
        ``(X, y)``: ``(N_s, n)`` angles (first half class 0, second half class 1) and ``(N_s,)`` labels +-1.
    """
    n_components = check_int(n_components, "n_components", minimum=1, maximum=784)
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    if n_samples % 2:
        raise ValueError(f"n_samples must be even (N_s / 2 per class), got {n_samples}")
    proj, lab = _pca_projection(tuple(classes))
    proj = proj[:, :n_components]
    half = n_samples // 2
    parts = []
    for c in classes:
        rows = np.flatnonzero(lab == c)
        if rows.size < half:
            raise ValueError(f"only {rows.size} images of digit {c}, n_samples/2 = {half} requested")
        parts.append(proj[rows[:half]])
    X = np.concatenate(parts)
    y = np.repeat(np.array([1.0, -1.0]), half)
    dt = jnp.result_type(float) if dtype is None else dtype
    return jnp.asarray(X, dt), jnp.asarray(y, dt)


def uniform_angles(key, n_samples: int, n_qubits: int, *, low: float = 0.0, high: float = 2 * np.pi,
                   dtype=None) -> jax.Array:
    """``(N_s, n)`` angles uniform on ``[low, high]`` (the paper's "random data": ``[0, 2 pi]``)."""
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_qubits = check_int(n_qubits, "n_qubits", minimum=1)
    dt = jnp.result_type(float) if dtype is None else dtype
    return jax.random.uniform(key, (n_samples, n_qubits), dt, low, high)

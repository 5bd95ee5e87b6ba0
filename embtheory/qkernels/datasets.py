"""The paper's data: MNIST 0 vs 1 reduced by PCA to ``n`` angles, and uniform random angles.

MNIST as in the paper's scripts: pixels / 255, the mean image subtracted, PCA to ``n`` components
used directly as rotation angles (no rescaling), and the first ``N_s / 2`` images of each class.
The PCA is fitted on all the images of the two classes in the set (NumPy SVD), then the first
``N_s / 2`` of each class are kept.  Images come from :func:`embtheory.data.load_mnist` (the MNIST
test set, read from the data cache, ``EMBTHEORY_DATA``); the authors used the training set, whose
first images differ, so single-sample statistics differ from the paper's (see docs/qkernels.md).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import (
    INT32_MAX,
    check_float_dtype,
    check_int,
    check_key,
    check_memory,
    check_real,
)

__all__ = ["mnist_pca", "uniform_angles"]


@functools.cache
def _mnist() -> tuple[np.ndarray, np.ndarray]:
    from embtheory.data import load_mnist  # the one IDX reader of the project

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


def _check_classes(classes) -> tuple[int, int]:
    try:
        pair = tuple(classes)
    except TypeError:
        raise TypeError(f"classes must be a pair of digits such as (0, 1), got {classes!r}") from None
    if len(pair) != 2:
        raise ValueError(f"classes must be a pair of two digits such as (0, 1), got {classes!r}")
    a, b = (check_int(c, "classes[i]", minimum=0, maximum=9) for c in pair)
    if a == b:
        raise ValueError(f"classes must be two different digits (a binary task), got {classes!r}: "
                         "pass e.g. classes=(0, 1)")
    return a, b


def mnist_pca(n_components: int, n_samples: int, *, classes: tuple[int, int] = (0, 1),
              dtype=None) -> tuple[jax.Array, jax.Array]:
    """MNIST ``classes[0]`` vs ``classes[1]``, PCA to ``n_components`` angles, ``n_samples / 2`` per class.

    Args:
        n_components: ``n``, the number of qubits (1..784).
        n_samples: ``N_s``, even.
        classes: two different digits.
        dtype: float dtype of the angles (default: JAX's default float).

    Returns:
        ``(X, y)``: ``(N_s, n)`` angles (first half class 0, second half class 1) and ``(N_s,)`` labels +-1.
    """
    n_components = check_int(n_components, "n_components", minimum=1, maximum=784)
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    if n_samples % 2:
        raise ValueError(f"n_samples must be even (N_s / 2 per class), got {n_samples}")
    classes = _check_classes(classes)
    proj, lab = _pca_projection(classes)
    proj = proj[:, :n_components]
    half = n_samples // 2
    parts = []
    for c in classes:
        rows = np.flatnonzero(lab == c)
        if rows.size < half:
            raise ValueError(f"n_samples = {n_samples} asks for {half} images of digit {c}, the data has "
                             f"{rows.size}: pass n_samples <= {2 * rows.size}")
        parts.append(proj[rows[:half]])
    X = np.concatenate(parts)
    y = np.repeat(np.array([1.0, -1.0]), half)
    dt = jnp.result_type(float) if dtype is None else dtype
    return jnp.asarray(X, dt), jnp.asarray(y, dt)


def uniform_angles(n_samples: int, n_qubits: int, *, key, low: float = 0.0, high: float = 2 * np.pi,
                   dtype=None) -> jax.Array:
    """``(N_s, n)`` angles uniform on ``[low, high)`` (the paper's "random data": ``[0, 2 pi]``).

    The draw is made in float32 and cast, so a key gives the same angles (to float32 precision)
    whatever ``dtype`` is.

    Args:
        n_samples: ``N_s >= 1``; n_qubits: ``n >= 1``.
        key: a PRNG key (keyword-only).
        low, high: finite, ``low < high``.
        dtype: float dtype (default: JAX's default float).

    Example:
        >>> import jax
        >>> uniform_angles(3, 2, key=jax.random.key(0)).shape
        (3, 2)
    """
    key = check_key(key, "key")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_qubits = check_int(n_qubits, "n_qubits", minimum=1, maximum=INT32_MAX)
    low = check_real(low, "low")
    high = check_real(high, "high")
    if not low < high:
        raise ValueError(f"uniform_angles needs low < high, got low={low}, high={high}: swap them")
    dt = np.dtype(jnp.result_type(float)) if dtype is None else check_float_dtype(dtype, "dtype")
    # the float32 draw and the cast result are alive together
    check_memory(n_samples * n_qubits * (4 + dt.itemsize),
                 f"uniform_angles(n_samples={n_samples}, n_qubits={n_qubits})", fix="draw fewer samples "
                 "(n_samples) or draw them in chunks with split keys")
    u = jax.random.uniform(key, (n_samples, n_qubits), jnp.float32).astype(dt)
    return low + (high - low) * u

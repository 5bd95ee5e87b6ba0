"""Host-side argument checks shared by the sign-rank public wrappers (never called in kernels)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import check_int, is_concrete
from embtheory.signrank.patterns import check_relevance


def check_embedding(x, name: str, *, cols: int | None = None, other: str | None = None,
                    tracers: bool = False):
    """A 2-D real ``[rows, dim]`` matrix with at least one row and column and finite values.

    Returns ``x`` unchanged (no cast, no copy), so a valid call computes exactly what it did
    without the check.  ``cols``: the column count it must have, that of the matrix named
    ``other``.  ``tracers=True`` lets a tracer through after the shape checks (its values are
    unknown); otherwise a tracer is refused.
    """
    if x is None:
        raise TypeError(f"{name} must be a 2-D array [rows, dim] of embeddings, got None")
    traced = not is_concrete(x)
    if traced and not tracers:
        raise TypeError(f"{name} must be a concrete array (it is checked on the host), got a tracer")
    arr = x if isinstance(x, jax.Array) else np.asarray(x)
    if arr.dtype == object or arr.dtype == np.bool_ or not (
            jnp.issubdtype(arr.dtype, jnp.floating) or jnp.issubdtype(arr.dtype, jnp.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D [rows, dim], got shape {tuple(arr.shape)}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(arr.shape)}): it needs at least one row and one "
                         "column")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"{name} has {arr.shape[1]} columns but {other or 'the other matrix'} has {cols}: "
                         "queries and documents must share the embedding dimension")
    if traced:
        return x
    host = np.asarray(arr)
    finite = np.isfinite(host)
    if not finite.all():
        bad = int(np.argmax(~finite.all(axis=1)))
        raise ValueError(f"{name} contains NaN or inf (first in row {bad}): clean or drop those rows")
    return x


def _other_form(rel) -> bool:
    """Whether concrete ``rel`` is qrels in a form other than a full ``[m, k]`` id array."""
    from embtheory.signrank.qrels import Qrels

    if isinstance(rel, Qrels):
        return True
    if isinstance(rel, (list, tuple)):
        try:
            arr = np.asarray(rel)
        except ValueError:  # ragged
            return True
    else:
        arr = np.asarray(rel)
    if arr.dtype == object or arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        return True
    return bool(arr.size) and bool(np.any(arr < 0))


def check_scoring_inputs(q, d, rel, *, k=None, rel_valid=None):
    """The checks of the public wrappers that score queries ``q`` against documents ``d`` with
    relevance lists ``rel`` (top-k accuracy, the losses): both embeddings valid and of one
    dimension, ``k`` (when given) in ``[1, n]``, ``rel`` in range and one row per query.

    Concrete ``rel`` in another qrels form (a mask, ragged lists, ``-1`` padding, a
    :class:`embtheory.signrank.Qrels`) is read by :func:`embtheory.signrank.as_qrels` (when
    ``rel_valid`` is not given) and comes back as ``(rel, rel_valid)`` with padding filled by
    each row's first document.  Array-likes without a shape come back as NumPy arrays; arrays
    (and tracers, shape-checked only) come back unchanged.

    Returns:
        ``(q, d, rel, rel_valid)`` (``rel_valid`` None when every entry is real).
    """
    q, d = (x if hasattr(x, "shape") or x is None else np.asarray(x) for x in (q, d))
    check_embedding(q, "q", tracers=True)
    check_embedding(d, "d", cols=q.shape[1], other="q", tracers=True)
    if k is not None:
        check_int(k, "k", minimum=1, maximum=d.shape[0])
    if rel is None:
        raise TypeError("rel must be given: the relevant documents of each query")
    if rel_valid is None and is_concrete(rel) and _other_form(rel):
        from embtheory.signrank.qrels import as_qrels

        qr = as_qrels(rel, n_docs=d.shape[0])
        rel, rel_valid = qr.rel, qr.rel_valid
    rel = rel if hasattr(rel, "shape") else np.asarray(rel)
    check_relevance(rel, d.shape[0], valid=rel_valid)
    if np.ndim(rel) != 2 or np.shape(rel)[0] != q.shape[0]:
        raise ValueError(f"rel must have one row per query: q has {q.shape[0]} rows, rel has shape "
                         f"{tuple(np.shape(rel))}")
    return q, d, rel, rel_valid

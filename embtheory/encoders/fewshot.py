"""Few-shot classifiers on embeddings: nearest class mean and k-nearest neighbours (cosine).

They score a choice of k-shot examples (e.g. by depth, at random, nearest the centroid, or
diverse) by how well the chosen examples classify held-out sentences.  In Seegmiller & Preum
(2023) the chosen examples become the demonstrations of an LLM prompt; a classifier on the same
embeddings stands in for the LLM here (no LLM is run), so the numbers measure how
representative the examples are of their classes, not in-context-learning accuracy.

- Nearest class mean: ``c_y = mean of the unit-normalised support embeddings of class y``;
  predict ``argmax_y  x^ . c_y / |c_y|``.
- kNN: the ``k`` support points of largest cosine similarity vote; ties between classes go to
  the class with the larger summed similarity.

Both are one ``[n_query, n_support]`` (or ``[n_query, classes]``) product, computed in blocks
of query rows.

Example:
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]); y = np.array([0, 0, 1])
    >>> nearest_mean_predict(S, y, np.array([[0.2, 1.0], [1.0, 0.3]]), num_classes=2).tolist()
    [1, 0]
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.pairwise import unit_rows
from embtheory.core.validation import as_matrix, check_choice, check_int, check_memory

__all__ = ["fewshot_accuracy", "knn_predict", "nearest_mean_predict"]

_BLOCK = 4096


_unit = unit_rows  # the unchecked kernel: inputs are checked by the public functions


def _labels(y: Any, n: int, num_classes: int | None) -> tuple[np.ndarray, int]:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"support labels must have shape ({n},) to match the support, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"support labels must be integers, got dtype {y.dtype}")
    if y.size and y.min() < 0:
        raise ValueError("support labels must be >= 0")
    c = int(y.max()) + 1 if num_classes is None else check_int(num_classes, "num_classes", minimum=1)
    if y.size and y.max() >= c:
        raise ValueError(f"support label {int(y.max())} is >= num_classes {c}")
    # the one-hot labels, the class means and a block's votes are each at most [_BLOCK + n, c]
    check_memory(4.0 * 3 * (_BLOCK + n) * c, f"the class tables of num_classes={c:,}",
                 fix="num_classes is the number of classes (default max(labels) + 1): lower it")
    return y, c


def _onehot(y: np.ndarray, c: int, dtype) -> jax.Array:
    """``[s, c]`` one-hot rows of the labels (never a ``c x c`` identity)."""
    return jnp.asarray(y[:, None] == np.arange(c)[None, :], dtype)


def _inputs(S, y, X, num_classes):
    S = as_matrix(S, "support", nonzero_rows=True)
    X = as_matrix(X, "queries", cols=S.shape[1], nonzero_rows=True, dtype=S.dtype)
    y, c = _labels(y, S.shape[0], num_classes)
    return _unit(S), y, _unit(X), c


def _blocks(fn, X: jax.Array) -> np.ndarray:
    return np.concatenate([np.asarray(fn(X[i:i + _BLOCK])) for i in range(0, X.shape[0], _BLOCK)])


def nearest_mean_predict(support: Any, labels: Any, queries: Any, *, num_classes: int | None = None
                         ) -> np.ndarray:
    """Labels of ``queries`` by the nearest class mean direction (cosine).

    Args:
        support: ``[s, d]`` example embeddings.
        labels: int ``[s]`` their classes in ``[0, num_classes)``; every class needs an example.
        queries: ``[n, d]`` embeddings to classify.
        num_classes: number of classes (default ``max(labels) + 1``).

    Returns:
        int ``[n]`` predicted classes.
    """
    S, y, X, c = _inputs(support, labels, queries, num_classes)
    onehot = _onehot(y, c, S.dtype)  # [s, c]
    counts = onehot.sum(0)
    if bool(jnp.any(counts == 0)):
        raise ValueError(f"classes {np.flatnonzero(np.asarray(counts) == 0).tolist()} have no support "
                         "example: give every class at least one")
    means = _unit((onehot.T @ S) / counts[:, None])  # [c, d]
    return _blocks(lambda Xb: jnp.argmax(Xb @ means.T, axis=1), X)


def knn_predict(support: Any, labels: Any, queries: Any, *, k: int = 1, num_classes: int | None = None
                ) -> np.ndarray:
    """Labels of ``queries`` by a vote of their ``k`` most cosine-similar support examples.

    Args:
        support: ``[s, d]``; labels: int ``[s]``; queries: ``[n, d]``.
        k: neighbours, ``1 <= k <= s``.
        num_classes: number of classes (default ``max(labels) + 1``).

    Returns:
        int ``[n]`` predicted classes (vote count, then summed similarity, then lower class).
    """
    S, y, X, c = _inputs(support, labels, queries, num_classes)
    k = check_int(k, "k", minimum=1, maximum=S.shape[0])
    onehot = _onehot(y, c, S.dtype)

    def block(Xb):
        sims, idx = jax.lax.top_k(Xb @ S.T, k)  # [b, k]
        votes = onehot[idx]  # [b, k, c]
        score = votes.sum(1) + 1e-3 * jnp.einsum("bk,bkc->bc", (sims + 1.0) / 2.0, votes) / k
        return jnp.argmax(score, axis=1)

    return _blocks(block, X)


def fewshot_accuracy(support: Any, labels: Any, queries: Any, query_labels: Any, *,
                     method: str = "mean", k: int = 1, num_classes: int | None = None) -> float:
    """Accuracy of :func:`nearest_mean_predict` (``method="mean"``) or :func:`knn_predict` (``"knn"``)."""
    check_choice(method, "method", ("mean", "knn"))
    k = check_int(k, "k", minimum=1)  # checked even for method="mean", which does not use it
    if method == "mean":
        pred = nearest_mean_predict(support, labels, queries, num_classes=num_classes)
    else:
        pred = knn_predict(support, labels, queries, k=k, num_classes=num_classes)
    truth = np.asarray(query_labels)
    if truth.shape != pred.shape:
        raise ValueError(f"query_labels must have shape {pred.shape}, got {truth.shape}")
    return float(np.mean(pred == truth))

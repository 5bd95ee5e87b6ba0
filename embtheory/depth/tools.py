"""Tools built on depth: DD-plots, the most central and most outlying items, example selection.

* A DD-plot (Liu, Parelius & Singh 1999) places every pooled point ``z`` at
  ``(D(z; F), D(z; G))``; two samples from one distribution fall along the diagonal, a shift
  or a scale change bends the cloud away from it.
* :func:`most_central` / :func:`most_outlying` rank a corpus by its own depths.
* :func:`select_examples` picks ``k`` examples per class, as the in-context-learning prompt
  selection of Seegmiller & Preum (2023): the ``k`` deepest points of each class (TTE depth
  within the class), against random, nearest-centroid (Euclidean, raw mean) and
  max-diversity (greedy farthest point in cosine distance, from the deepest point) baselines.
  With cosine distance the depth ranking is the ranking by ``x^ . mu`` (the closed form), so
  "depth" is "nearest to the mean direction".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core import as_matrix, check_choice, check_int, check_key
from embtheory.depth._common import HIGHEST, unit_rows
from embtheory.depth.mahalanobis import mahalanobis_depth
from embtheory.depth.projection import halfspace_depth, projection_depth
from embtheory.depth.spatial import lens_depth, spatial_depth
from embtheory.depth.tte import tte_depth

__all__ = ["DDPlot", "Selection", "dd_plot", "most_central", "most_outlying", "plot_dd", "select_examples"]

DEPTHS = ("tte", "chord", "spatial", "mahalanobis", "projection", "halfspace", "lens")
METHODS = ("depth", "random", "centroid", "diversity")


class DDPlot(NamedTuple):
    """Coordinates of a DD-plot of the pooled points ``[F; G]`` (``N = m + n``).

    Attributes:
        depth_F: ``[N]`` depth of each pooled point with respect to ``F``.
        depth_G: ``[N]`` depth of each pooled point with respect to ``G``.
        from_G: ``[N]`` boolean, True for the points of ``G``.
    """

    depth_F: jax.Array
    depth_G: jax.Array
    from_G: jax.Array


def _depth_fn(depth: str | Callable, key: jax.Array | None) -> Callable:
    if callable(depth):
        return depth
    check_choice(depth, "depth", DEPTHS)
    key = None if key is None else check_key(key, "key")  # checked even where the depth does not use it
    if depth in ("projection", "halfspace") and key is None:
        raise TypeError(f"depth={depth!r} draws random directions: pass key=jax.random.key(seed)")
    return {
        "tte": lambda R, Q: tte_depth(R, Q),
        "chord": lambda R, Q: tte_depth(R, Q, distance="chord"),
        "spatial": spatial_depth,
        "mahalanobis": lambda R, Q: mahalanobis_depth(R, Q, shrinkage=0.0 if len(R) > R.shape[1] else 0.1),
        "projection": lambda R, Q: projection_depth(R, Q, key=key),
        "halfspace": lambda R, Q: halfspace_depth(R, Q, key=key),
        "lens": lens_depth,
    }[depth]


def dd_plot(F: Any, G: Any, *, depth: str | Callable = "tte", key: jax.Array | None = None) -> DDPlot:
    """DD-plot coordinates of ``[F; G]``.

    A sample's own points get their own-point depth (``depth(R, None)``: leave-one-out for
    TTE), the other sample's points their query depth (``depth(R, Q)``).

    Args:
        F: ``[m, d]``; G: ``[n, d]``, both with at least 2 rows.
        depth: one of ``"tte"``, ``"chord"``, ``"spatial"``, ``"mahalanobis"``,
            ``"projection"``, ``"halfspace"``, ``"lens"``, or ``f(R, Q) -> [len(Q)]``
            (``Q=None``: depths of ``R``'s own points).
        key: PRNG key for the random-direction depths (the same directions for both axes).

    Returns:
        A :class:`DDPlot`.
    """
    F = as_matrix(F, "F", min_rows=2)
    G = as_matrix(G, "G", min_rows=2, cols=F.shape[1])
    fn = _depth_fn(depth, key)
    dFF, dGF = fn(F, None), fn(F, G)
    dFG, dGG = fn(G, F), fn(G, None)
    flag = jnp.concatenate([jnp.zeros(F.shape[0], bool), jnp.ones(G.shape[0], bool)])
    return DDPlot(jnp.concatenate([dFF, dGF]), jnp.concatenate([dFG, dGG]), flag)


def plot_dd(dd: DDPlot, ax=None, *, labels: tuple[str, str] = ("F", "G"), alpha: float = 0.6):
    """Draws a DD-plot (points of F and G in two colours, the diagonal dashed); returns ``ax``."""
    from embtheory.core.plotting import MARKERS, PALETTE, new_figure

    if ax is None:
        _, ax = new_figure()
    x, y, g = (np.asarray(a) for a in dd)
    for flag, colour, marker, label in ((False, PALETTE[0], MARKERS[0], labels[0]),
                                        (True, PALETTE[1], MARKERS[1], labels[1])):
        sel = g == flag
        ax.scatter(x[sel], y[sel], s=8, color=colour, marker=marker, alpha=alpha, label=label)
    lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    ax.plot([lo, hi], [lo, hi], linestyle="--", color="black", linewidth=0.8)
    ax.set_xlabel(f"depth w.r.t. {labels[0]}")
    ax.set_ylabel(f"depth w.r.t. {labels[1]}")
    ax.legend()
    return ax


def _ranked(F, k, distance, largest):
    F = as_matrix(F, "F", min_rows=2)
    k = check_int(k, "k", minimum=1, maximum=F.shape[0])
    d = tte_depth(F, distance=distance)
    _, idx = jax.lax.top_k(d if largest else -d, k)
    return idx


def most_central(F: Any, k: int, *, distance: str | Callable = "cosine") -> jax.Array:
    """Indices of the ``k`` deepest points of ``F`` (TTE depth), deepest first: ``[k]``."""
    return _ranked(F, k, distance, True)


def most_outlying(F: Any, k: int, *, distance: str | Callable = "cosine") -> jax.Array:
    """Indices of the ``k`` least deep points of ``F`` (TTE depth), most outlying first: ``[k]``."""
    return _ranked(F, k, distance, False)


class Selection(NamedTuple):
    """``k`` examples per class.

    Attributes:
        classes: ``[C]`` the class labels, sorted.
        indices: ``[C, k]`` row indices into ``X``; row ``c`` holds examples of ``classes[c]``.
    """

    classes: np.ndarray
    indices: np.ndarray


@partial(jax.jit, static_argnums=1)  # eager: one compile per shape, not one per call
def _diversity(Xh: jax.Array, k: int, start: jax.Array) -> jax.Array:
    """Greedy farthest-point selection in cosine distance from ``start``: ``[k]`` indices."""
    sims = jnp.matmul(Xh, Xh[start], precision=HIGHEST)

    def body(i, state):
        chosen, closest = state
        taken = jnp.isin(jnp.arange(Xh.shape[0]), chosen)
        nxt = jnp.argmin(jnp.where(taken, jnp.inf, closest)).astype(jnp.int32)
        chosen = chosen.at[i].set(nxt)
        closest = jnp.maximum(closest, jnp.matmul(Xh, Xh[nxt], precision=HIGHEST))
        return chosen, closest

    chosen = jnp.full((k,), start, dtype=jnp.int32)  # start is cast to the index dtype
    chosen, _ = jax.lax.fori_loop(1, k, body, (chosen, sims))
    return chosen


def select_examples(X: Any, y: Any, k: int, *, method: str = "depth", key: jax.Array | None = None,
                    distance: str | Callable = "cosine") -> Selection:
    """Selects ``k`` examples of each class.

    Args:
        X: embeddings ``[N, d]``, finite, no zero rows.
        y: integer class labels ``[N]``; each class needs at least ``k`` members (and 2).
        k: examples per class.
        method: ``"depth"`` (the ``k`` deepest within the class, TTE ``distance``),
            ``"random"`` (uniform without replacement, needs ``key``), ``"centroid"``
            (``k`` nearest to the class mean in Euclidean distance) or ``"diversity"``
            (greedy max-min cosine distance, starting from the deepest point).
        key: PRNG key for ``"random"``; one sub-key per class, derived in class order.
        distance: TTE distance for ``"depth"`` and the diversity seed point.

    Returns:
        A :class:`Selection`.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[1.0, 0.1], [1.0, 0.0], [0.9, 0.5], [0.0, 1.0], [0.1, 1.0], [0.6, 1.0]])
        >>> sel = select_examples(X, jnp.array([0, 0, 0, 1, 1, 1]), 1)
        >>> sel.classes.tolist(), sel.indices.tolist()
        ([0, 1], [[0], [4]])
    """
    X = as_matrix(X, "X", min_rows=2, nonzero_rows=True)
    labels = np.asarray(y)
    if labels.shape != (X.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"y must be integer labels of shape ({X.shape[0]},), got {labels.dtype} {labels.shape}"
        )
    check_choice(method, "method", METHODS)
    classes, counts = np.unique(labels, return_counts=True)
    small = counts.min()
    k = check_int(k, "k", minimum=1)
    if k > small or small < 2:
        c = classes[int(np.argmin(counts))]
        raise ValueError(
            f"k={k} but class {c} has only {small} examples: use k <= {small} (and >= 2 per class)"
        )
    if key is not None:  # checked even when the method does not use it
        key = check_key(key, "key")
    if method == "random":
        if key is None:
            raise TypeError("method='random' needs key=jax.random.key(seed)")
        keys = jax.random.split(key, len(classes))
    out = []
    for ci, c in enumerate(classes):  # one pass per class, not per pair
        rows = np.flatnonzero(labels == c)
        Xc = X[rows]
        if method == "depth":
            pick = most_central(Xc, k, distance=distance)
        elif method == "random":
            pick = jax.random.choice(keys[ci], rows.size, (k,), replace=False)
        elif method == "centroid":
            dist = jnp.sum((Xc - jnp.mean(Xc, axis=0, keepdims=True)) ** 2, axis=1)
            _, pick = jax.lax.top_k(-dist, k)
        else:
            pick = _diversity(unit_rows(Xc), k, most_central(Xc, 1, distance=distance)[0])
        out.append(rows[np.asarray(pick)])
    return Selection(classes=classes, indices=np.stack(out))

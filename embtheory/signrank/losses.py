r"""Losses of the free-embedding problem, and their memory-bounded value and gradient.

Each loss is a function of one query's score row :math:`s \in \mathbb{R}^n` (cosine scores,
rows of unit length) and its relevant documents :math:`P` (``|P| = k``, which may differ from
query to query: ``rel`` is then padded and ``rel_valid`` marks the real entries), averaged
over queries.
With :math:`z = s / T`:

* ``"infonce"`` (the official code, default):
  :math:`\ell = \operatorname{lse}_j z_j - \frac1k \sum_{p \in P} z_p`
  (the softmax runs over all documents, the other relevant one included; minimum :math:`\ln k`).
* ``"infonce_footnote"`` (the paper's footnote):
  :math:`\ell = \operatorname{lse}_j z_j - \operatorname{lse}_{p \in P} z_p` (minimum 0).
* ``"sigmoid"`` (pairwise, threshold 0, i.e. the sign pattern :math:`2A - 1` itself):
  :math:`\ell = \frac1n \big(\sum_j \operatorname{softplus}(z_j) - \sum_{p \in P} z_p\big)`,
  which equals :math:`\frac1n \sum_j \operatorname{softplus}(-y_j z_j)` with :math:`y = \pm 1`.
* ``"margin"`` (pairwise hinge on raw scores):
  :math:`\ell = \frac{1}{k (n - k)} \sum_{p \in P} \sum_{j \notin P} \max(0, \gamma - s_p + s_j)`.

The batch loss is the mean of :math:`\ell` over valid queries; with relevant sets of different
sizes the official InfoNCE stays what the code defines, the mean of
:math:`-\log\operatorname{softmax}(z)_p` over every (query, relevant document) pair (a query
weighs by :math:`|P|`).  :func:`loss_and_grad`
computes it and its gradient in query chunks: per chunk, the scores ``[c, n]``, the row
gradients :math:`G = \partial \ell / \partial s` (autodiff of the one-row loss, vmapped; XLA fuses it), then
:math:`\nabla_Q = G D` and :math:`\nabla_D \mathrel{+}= G^\top Q_c`.  Peak memory is a few
``c x n`` arrays, whatever the number of queries; one chunk is the dense computation.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from embtheory.core.memory import chunk_size_for
from embtheory.core.validation import check_choice, check_int, check_positive, is_concrete
from embtheory.signrank._validation import check_scoring_inputs

__all__ = ["LOSSES", "batch_loss", "loss_and_grad", "row_loss"]

LOSSES = ("infonce", "infonce_footnote", "sigmoid", "margin")

#: Bytes per score entry a chunk holds at its peak (scores, exps, row gradient, temporaries).
_BYTES_PER_ENTRY_FACTOR = 6


def row_loss(scores: jax.Array, rel: jax.Array, doc_valid: jax.Array, *, rel_valid: jax.Array | None = None,
             loss: str = "infonce", temperature: float = 0.1, margin: float = 0.1) -> jax.Array:
    """The loss of one query.

    Args:
        scores: ``[n]`` cosine scores of the query against every document.
        rel: ``[k]`` int indices of its relevant documents (distinct, valid).
        doc_valid: ``[n]`` bool; padded documents (False) take no part.
        rel_valid: ``[k]`` bool, False on padding entries of ``rel`` (default all True); a
            padding entry must still be a valid id (any of the query's relevant documents).
        loss: one of :data:`LOSSES`.
        temperature: ``T`` of the InfoNCE and sigmoid losses.
        margin: ``gamma`` of the margin loss.

    Returns:
        The scalar loss of the query (see the module docstring).
    """
    if rel_valid is None:
        return _row_loss_full(scores, rel, doc_valid, loss=loss, temperature=temperature, margin=margin)
    v = rel_valid
    k = jnp.sum(v).astype(scores.dtype)
    if loss in ("infonce", "infonce_footnote"):
        z = scores / temperature
        lse = jax.nn.logsumexp(jnp.where(doc_valid, z, -jnp.inf))
        zp = z[rel]
        if loss == "infonce":
            return lse - jnp.sum(jnp.where(v, zp, 0.0)) / k
        return lse - jax.nn.logsumexp(jnp.where(v, zp, -jnp.inf))
    n_valid = jnp.sum(doc_valid).astype(scores.dtype)
    if loss == "sigmoid":
        z = scores / temperature
        total = jnp.sum(jnp.where(doc_valid, jax.nn.softplus(z), 0.0)) - jnp.sum(jnp.where(v, z[rel], 0.0))
        return total / n_valid
    if loss == "margin":
        sp = scores[rel]  # [k]
        every = jnp.where(v[:, None] & doc_valid[None, :],
                          jax.nn.relu(margin - sp[:, None] + scores[None, :]), 0.0)
        inner = jnp.where(v[:, None] & v[None, :], jax.nn.relu(margin - sp[:, None] + sp[None, :]), 0.0)
        return (jnp.sum(every) - jnp.sum(inner)) / (k * (n_valid - k))
    raise ValueError(f"loss must be one of {list(LOSSES)}, got {loss!r}")


def _row_loss_full(scores, rel, doc_valid, *, loss, temperature, margin):
    """:func:`row_loss` when every entry of ``rel`` is real (the all-k-subsets problems): the
    same operations as ever, so their runs keep their bits."""
    k = rel.shape[0]
    if loss in ("infonce", "infonce_footnote"):
        z = scores / temperature
        lse = jax.nn.logsumexp(jnp.where(doc_valid, z, -jnp.inf))
        zp = z[rel]
        if loss == "infonce":
            return lse - jnp.mean(zp)
        return lse - jax.nn.logsumexp(zp)
    n_valid = jnp.sum(doc_valid).astype(scores.dtype)
    if loss == "sigmoid":
        z = scores / temperature
        total = jnp.sum(jnp.where(doc_valid, jax.nn.softplus(z), 0.0)) - jnp.sum(z[rel])
        return total / n_valid
    if loss == "margin":
        sp = scores[rel]  # [k]
        # sum over all valid j, then remove the j in P terms (a k x k block)
        every = jnp.where(doc_valid[None, :], jax.nn.relu(margin - sp[:, None] + scores[None, :]), 0.0)
        inner = jax.nn.relu(margin - sp[:, None] + sp[None, :])
        return (jnp.sum(every) - jnp.sum(inner)) / (k * (n_valid - k))
    raise ValueError(f"loss must be one of {list(LOSSES)}, got {loss!r}")


def _chunked(q, rel, rel_valid, query_valid, chunk):
    """Reshapes query-axis arrays into ``[num_chunks, chunk, ...]`` (query count a multiple)."""
    nq = q.shape[0]
    if nq % chunk:
        raise ValueError(f"the query count {nq} must be a multiple of chunk_size={chunk}; pad the queries "
                         "or pass chunk_size=None")
    c = nq // chunk
    return (q.reshape(c, chunk, q.shape[1]), rel.reshape(c, chunk, rel.shape[1]),
            rel_valid.reshape(c, chunk, rel.shape[1]), query_valid.reshape(c, chunk))


def loss_and_grad(q: jax.Array, d: jax.Array, rel: jax.Array, *, rel_valid: jax.Array | None = None,
                  doc_valid: jax.Array | None = None, query_valid: jax.Array | None = None,
                  loss: str = "infonce", temperature: float = 0.1, margin: float = 0.1,
                  chunk_size: int | None = None) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
    r"""Mean loss over valid queries and its gradient, streamed over query chunks.

    Args:
        q: ``[m, dim]`` query embeddings.
        d: ``[n, dim]`` document embeddings.
        rel: ``[m, k]`` int relevant-document indices per query, or any qrels form
            (:func:`embtheory.signrank.as_qrels`: a mask, ragged lists, ``-1``-padded indices;
            ``rel_valid`` then comes from it).
        rel_valid: ``[m, k]`` bool, False on padding entries of ``rel`` (queries with fewer
            relevant documents); a padding entry must hold one of its query's relevant ids.
        doc_valid: ``[n]`` bool (default all True); padded documents are ignored.
        query_valid: ``[m]`` bool (default all True); padded queries weigh 0.
        loss, temperature, margin: see :func:`row_loss`.
        chunk_size: queries per chunk (``m`` must be a multiple of it); None: one chunk (dense).

    Returns:
        ``(loss, (grad_q [m, dim], grad_d [n, dim]))``; gradients are exactly zero on padded rows.

    Raises:
        TypeError / ValueError naming the argument: ``q`` or ``d`` not a real 2-D matrix with
        rows, their dimensions disagreeing, NaN or inf in concrete ``q`` or ``d`` (under ``jit``
        only the shapes are checked), ``rel`` out of range or not one row per query.
    """
    q, d, rel, rel_valid = check_scoring_inputs(q, d, rel, rel_valid=rel_valid)
    check_choice(loss, "loss", LOSSES)
    check_positive(temperature, "temperature")
    check_positive(margin, "margin")
    chunk_size = None if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)
    m, n = q.shape[0], d.shape[0]
    if rel.shape[1] >= n:
        raise ValueError(f"each query needs fewer relevant documents (k = {rel.shape[1]}) than "
                         f"documents (n = {n}): with k >= n no document is irrelevant")
    kernel = _loss_and_grad
    if chunk_size is not None and _chunked_scan(m, int(chunk_size)) and is_concrete(
            q, d, rel, rel_valid, doc_valid, query_valid):
        # the chunked path is a lax.scan over a closure: eagerly it would compile at every call
        kernel = _loss_and_grad_jit
        temperature, margin, chunk_size = float(temperature), float(margin), int(chunk_size)
    return kernel(q, d, rel, rel_valid=rel_valid, doc_valid=doc_valid, query_valid=query_valid, loss=loss,
                  temperature=temperature, margin=margin, chunk_size=chunk_size)


def _chunked_scan(m: int, chunk: int) -> bool:
    """Whether :func:`_loss_and_grad` runs its ``lax.scan`` (more than one chunk of ``m`` queries)."""
    return m % chunk == 0 and m // chunk > 1


def _loss_and_grad(q, d, rel, *, rel_valid=None, doc_valid=None, query_valid=None, loss="infonce",
                   temperature=0.1, margin=0.1, chunk_size=None):
    """The kernel of :func:`loss_and_grad` (no value checks: jit- and vmap-safe)."""
    chunk = chunk_size
    m, n = q.shape[0], d.shape[0]
    if doc_valid is None:
        doc_valid = jnp.ones((n,), bool)
    if query_valid is None:
        query_valid = jnp.ones((m,), bool)
    ragged = rel_valid is not None
    if not ragged:
        rel_valid = jnp.ones(rel.shape, bool)
    chunk = m if chunk is None else int(chunk)
    qc, rc, rvc, vc = _chunked(q, rel, rel_valid, query_valid, chunk)
    # the official InfoNCE is a mean over (query, relevant document) pairs: with relevant sets of
    # different sizes a query weighs by its size (every other loss is a mean over queries)
    by_pairs = ragged and loss == "infonce"
    if by_pairs:
        pairs = jnp.sum(jnp.where(query_valid[:, None], rel_valid, False))
        weight_total = jnp.maximum(pairs, 1).astype(q.dtype)
    else:
        weight_total = jnp.maximum(jnp.sum(query_valid), 1).astype(q.dtype)

    row_vg = jax.vmap(jax.value_and_grad(
        lambda s, r, rv: row_loss(s, r, doc_valid, rel_valid=rv if ragged else None, loss=loss,
                                  temperature=temperature, margin=margin)))

    def body(carry, xs):
        loss_sum, grad_d = carry
        qi, ri, rvi, vi = xs
        scores = qi @ d.T  # [c, n]
        vals, g = row_vg(scores, ri, rvi)
        w = vi.astype(q.dtype)
        if by_pairs:
            w = w * jnp.sum(rvi, axis=1).astype(q.dtype)
            g = g * w[:, None]
        g = jnp.where(vi[:, None] & doc_valid[None, :], g, 0.0) * (1.0 / weight_total)
        grad_q = g @ d
        return (loss_sum + jnp.sum(jnp.where(vi, vals, 0.0) * w), grad_d + g.T @ qi), grad_q

    init = (jnp.zeros((), q.dtype), jnp.zeros_like(d))
    if qc.shape[0] == 1:
        (loss_sum, grad_d), grad_q = body(init, (qc[0], rc[0], rvc[0], vc[0]))
        grad_q = grad_q[None]
    else:
        (loss_sum, grad_d), grad_q = jax.lax.scan(body, init, (qc, rc, rvc, vc))
    return loss_sum / weight_total, (grad_q.reshape(m, q.shape[1]), grad_d)


#: :func:`_loss_and_grad` compiled once per shape and configuration, for eager chunked calls of
#: :func:`loss_and_grad` (traced callers, e.g. the jitted optimiser, use the kernel itself)
_loss_and_grad_jit = jax.jit(_loss_and_grad, static_argnames=("loss", "temperature", "margin", "chunk_size"))


def batch_loss(q, d, rel, **kw) -> jax.Array:
    """The mean loss only (see :func:`loss_and_grad`)."""
    return loss_and_grad(q, d, rel, **kw)[0]


def chunk_for_budget(num_queries: int, num_docs: int, memory_budget: float, itemsize: int = 4) -> int:
    """A query chunk whose score temporaries fit ``memory_budget`` bytes, evened out so that it
    divides the padded query count with the least padding: ``ceil(m / ceil(m / c))``."""
    # the budget counts the loss temporaries alone, so a chunk may take all of it
    c = chunk_size_for(num_queries, bytes_per_item=_BYTES_PER_ENTRY_FACTOR * num_docs * itemsize,
                       memory_budget=memory_budget, share=1.0)
    chunks = math.ceil(num_queries / c)
    return math.ceil(num_queries / chunks)

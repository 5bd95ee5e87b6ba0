"""Loss and gradient against a naive dense implementation written here (mask matrix, jax.grad)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.signrank import LOSSES, k_subsets, loss_and_grad, qrels_to_mask


def naive_loss(q, d, mask, loss, temperature=0.1, margin=0.1):
    """Dense reference: every query's full score row and a dense relevance mask."""
    s = q @ d.T
    z = s / temperature
    n = s.shape[1]
    k = mask.sum(axis=1)
    if loss == "infonce":
        logp = z - jax.scipy.special.logsumexp(z, axis=1, keepdims=True)
        return -jnp.sum(jnp.where(mask, logp, 0.0)) / jnp.sum(mask)
    if loss == "infonce_footnote":
        pos = jax.scipy.special.logsumexp(jnp.where(mask, z, -jnp.inf), axis=1)
        return jnp.mean(jax.scipy.special.logsumexp(z, axis=1) - pos)
    if loss == "sigmoid":
        y = jnp.where(mask, 1.0, -1.0)
        return jnp.mean(jax.nn.softplus(-y * z))
    if loss == "margin":
        # every (query, relevant p, irrelevant j) triple explicitly: [m, n, n]
        hinge = jax.nn.relu(margin - s[:, :, None] + s[:, None, :])
        pair = mask[:, :, None] & ~mask[:, None, :]
        per_q = jnp.sum(jnp.where(pair, hinge, 0.0), axis=(1, 2)) / (k * (n - k))
        return jnp.mean(per_q)
    raise AssertionError(loss)


def _lg(**kw):
    return jax.jit(functools.partial(loss_and_grad, **kw))


def _unit(x):
    return x / jnp.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_and_grad_match_naive(loss, getkey):
    n, dim, k = 7, 3, 2
    rel = k_subsets(n, k)
    mask = jnp.asarray(qrels_to_mask(rel, n))
    q = _unit(jax.random.normal(getkey(), (rel.shape[0], dim)))
    d = _unit(jax.random.normal(getkey(), (n, dim)))
    naive = jax.jit(jax.value_and_grad(naive_loss, argnums=(0, 1)), static_argnums=3)
    want, (gq_want, gd_want) = naive(q, d, mask, loss)
    got, (gq, gd) = _lg(loss=loss)(q, d, jnp.asarray(rel))
    tol = dict(rtol=2e-5, atol=2e-6) if q.dtype == jnp.float32 else {}
    assert_allclose(got, want, **tol)
    assert_allclose(gq, gq_want, **tol)
    assert_allclose(gd, gd_want, **tol)


@pytest.mark.parametrize("loss", LOSSES)
def test_chunked_equals_dense_and_padding_is_inert(loss, getkey):
    n, dim, k = 9, 4, 2
    rel = jnp.asarray(k_subsets(n, k))  # 36 queries
    q = _unit(jax.random.normal(getkey(), (36, dim)))
    d = _unit(jax.random.normal(getkey(), (n, dim)))
    dense = _lg(loss=loss)(q, d, rel)
    for chunk in (4, 12):
        chunked = _lg(loss=loss, chunk_size=chunk)(q, d, rel)
        jax.tree.map(lambda a, b: assert_allclose(a, b, rtol=1e-5, atol=1e-6) if a.dtype == jnp.float32
                     else assert_allclose(a, b), chunked, dense)
    # pad 3 documents and 4 queries: loss and real-row gradients unchanged, padded grads zero
    qp = jnp.concatenate([q, _unit(jax.random.normal(getkey(), (4, dim)))])
    dp = jnp.concatenate([d, _unit(jax.random.normal(getkey(), (3, dim)))])
    relp = jnp.concatenate([rel, jnp.zeros((4, k), rel.dtype)])
    qv = jnp.arange(40) < 36
    dv = jnp.arange(n + 3) < n
    lp, (gqp, gdp) = _lg(loss=loss, chunk_size=8)(qp, dp, relp, query_valid=qv, doc_valid=dv)
    tol = dict(rtol=1e-5, atol=1e-6) if q.dtype == jnp.float32 else {}
    assert_allclose(lp, dense[0], **tol)
    assert_allclose(gqp[:36], dense[1][0], **tol)
    assert_allclose(gdp[:n], dense[1][1], **tol)
    assert np.all(np.asarray(gqp[36:]) == 0) and np.all(np.asarray(gdp[n:]) == 0)


def test_infonce_minimum_is_ln_k():
    # documents on a circle, query = bisector of its pair, very sharp temperature: loss -> ln 2
    n = 4
    ang = jnp.arange(n) * 2 * jnp.pi / n
    d = jnp.stack([jnp.cos(ang), jnp.sin(ang)], axis=1)
    rel = jnp.asarray([[0, 1], [1, 2], [2, 3], [0, 3]])
    q = _unit(d[rel[:, 0]] + d[rel[:, 1]])
    val, _ = _lg(temperature=0.01)(q, d, rel)
    assert abs(float(val) - np.log(2)) < 1e-3


def test_chunk_must_divide():
    q = jnp.ones((10, 2))
    rel = jnp.tile(jnp.array([[0, 1]], jnp.int32), (10, 1))
    with pytest.raises(ValueError, match="multiple of chunk_size=3"):
        loss_and_grad(q, jnp.ones((4, 2)), rel, chunk_size=3)
    # NaN embeddings are refused, not turned into a NaN loss
    with pytest.raises(ValueError, match="q contains NaN"):
        loss_and_grad(q.at[3, 1].set(jnp.nan), jnp.ones((4, 2)), rel)
    with pytest.raises(ValueError, match="d contains NaN"):
        loss_and_grad(q, jnp.ones((4, 2)).at[0, 0].set(jnp.inf), rel)
    with pytest.raises(ValueError, match="loss must be one of"):
        loss_and_grad(q, jnp.ones((4, 2)), rel, loss="hinge")


def test_bad_relevance_lists_are_clear_errors():
    import jax.numpy as jnp

    from embtheory.signrank.accuracy import topk_accuracy
    from embtheory.signrank.losses import loss_and_grad

    q, d = jnp.ones((2, 3)) / 3**0.5, jnp.eye(3)
    with pytest.raises(ValueError, match=r"outside \[0, 3\)"):  # gather would clamp 7 to 2
        loss_and_grad(q, d, jnp.array([[0, 1], [1, 7]]))
    with pytest.raises(ValueError, match="repeats a document within query 0"):
        loss_and_grad(q, d, jnp.array([[0, 0], [1, 2]]))
    with pytest.raises(ValueError, match="fewer relevant documents"):
        loss_and_grad(q, d[:2], jnp.array([[0, 1], [1, 0]]))
    with pytest.raises(ValueError, match="temperature"):
        loss_and_grad(q, d, jnp.array([[0, 1], [1, 2]]), temperature=0.0)
    with pytest.raises(ValueError, match="k must be <= 3"):
        topk_accuracy(q, d, jnp.array([[0, 1], [1, 2]]), k=4)
    with pytest.raises(ValueError, match="repeats a document"):  # would count a hit twice
        topk_accuracy(q, d, jnp.array([[0, 0], [1, 2]]), k=2)


def test_padding_marked_invalid_is_not_checked():
    import jax.numpy as jnp

    from embtheory.signrank.accuracy import topk_hits

    q, d = jnp.eye(3), jnp.eye(3)
    rel = jnp.array([[0, -1, -1], [1, 2, -1], [2, -1, -1]])  # -1 padding, as qrels_index writes
    hits = topk_hits(q, d, rel, k=1, rel_valid=rel >= 0)
    assert hits.tolist() == [1, 1, 1]

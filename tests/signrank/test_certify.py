import contextlib
import io
import itertools
import math
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from embtheory.signrank import Certificate, certify

F32 = np.float32


def dense_reference(q, d, rel):
    """Naive per-query loop: margins, worst query, violations, global margin (float64 NumPy)."""
    q = np.asarray(q, np.float64)
    d = np.asarray(d, np.float64)
    margins, pos_all, neg_all = [], np.inf, -np.inf
    for i, r in enumerate(rel):
        s = d @ q[i]
        rs = set(int(x) for x in r)
        pos = min(s[j] for j in rs)
        neg = max(s[j] for j in range(len(s)) if j not in rs)
        margins.append(pos - neg)
        pos_all, neg_all = min(pos_all, pos), max(neg_all, neg)
    margins = np.array(margins)
    return margins.min(), int(np.argmin(margins)), int(np.sum(margins <= 0)), pos_all - neg_all


def _planted(n, k, dim, rng, noise):
    """Queries near the sum of their relevant documents (solved for small noise, not for large)."""
    d = rng.standard_normal((n, dim))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    rel = np.array(list(itertools.combinations(range(n), k)))
    q = d[rel].sum(axis=1) + noise * rng.standard_normal((len(rel), dim))
    return q, d, rel


@pytest.mark.parametrize("n,k,dim,noise", [(7, 1, 3, 0.3), (8, 2, 6, 0.2), (9, 3, 5, 1.0), (10, 2, 3, 0.5)])
def test_certify_matches_dense_reference_all_subsets(n, k, dim, noise):
    rng = np.random.default_rng(n * 10 + k)
    q, d, rel = _planted(n, k, dim, rng, noise)
    want = dense_reference(q.astype(F32), d.astype(F32), rel)
    for chunk in (None, 1, 3, 7):  # one chunk, and chunks that do not divide m (overlapping tail)
        c = certify(q, d, k=k, dtype=F32, chunk_size=chunk)
        assert isinstance(c, Certificate)
        assert c.margin == pytest.approx(want[0], abs=1e-5)
        assert c.worst_query == want[1]
        assert c.violations == want[2]
        assert c.global_margin == pytest.approx(want[3], abs=1e-5)
        assert c.solved == (want[0] > 0)
        assert c.num_queries == math.comb(n, k)


def test_certify_with_qrels_random_pattern():
    rng = np.random.default_rng(1)
    n, m, k, dim = 12, 17, 3, 4
    d = rng.standard_normal((n, dim))
    rel = np.stack([rng.choice(n, k, replace=False) for _ in range(m)])  # unsorted rows too
    q = d[rel].sum(axis=1) + 0.1 * rng.standard_normal((m, dim))
    want = dense_reference(q.astype(F32), d.astype(F32), rel)
    for chunk in (None, 4, 5):
        c = certify(q, d, qrels=rel, dtype=F32, chunk_size=chunk)
        assert c.margin == pytest.approx(want[0], abs=1e-5)
        assert (c.worst_query, c.violations) == want[1:3]
    assert certify(q, d, qrels=rel, k=3, dtype=F32).num_queries == m


def test_solved_embedding_and_broken_copies():
    # one-hot documents, query = sum of its relevant ones: margin exactly 1
    n, k = 6, 2
    d = np.eye(n)
    rel = np.array(list(itertools.combinations(range(n), k)))
    q = d[rel].sum(axis=1)
    c = certify(q, d, k=k, dtype=F32)
    assert c.solved and c.margin == 1.0 and c.violations == 0
    # swap a relevant document of query 4 for an irrelevant one: exactly that query fails
    bad = q.copy()
    assert rel[4].tolist() == [0, 5]
    bad[4] = d[0] + d[2]
    c = certify(bad, d, k=k, dtype=F32)
    assert not c.solved and c.worst_query == 4 and c.violations == 1 and c.margin == -1.0
    # an exact tie between a relevant and an irrelevant document is a failure (margin 0)
    tie = q.copy()
    tie[7] = d[rel[7]].sum(axis=0) + d[5 if 5 not in rel[7] else 0]
    with pytest.warns(RuntimeWarning, match="rounding could decide"):
        c = certify(tie, d, k=k, dtype=F32)
    assert not c.solved and c.margin == 0.0 and c.violations == 1 and c.worst_query == 7
    assert not c.certain  # a tie is within any rounding bound


@pytest.mark.x64
def test_certify_float64_resolves_what_float32_cannot():
    d = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1e-12]])
    q = np.array([[1.0, 1.0]])  # one k = 1 query for doc 2: scores 1, 1, 1 + 1e-12
    c64 = certify(q, d, qrels=[[2]], dtype=np.float64)
    assert c64.solved and c64.margin == pytest.approx(1e-12, rel=1e-3)
    with pytest.warns(RuntimeWarning, match="rounding could decide"):
        c32 = certify(q, d, qrels=[[2]], dtype=np.float32)
    assert not c32.solved and c32.margin == 0.0  # 1 + 1e-12 rounds to 1 in float32: a tie
    assert c64.certain and not c32.certain


def test_float64_without_x64_is_an_error():
    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on")
    with pytest.raises(ValueError, match="JAX_ENABLE_X64"):
        certify(np.eye(3)[[0, 0, 1]], np.eye(3), k=2, dtype=np.float64)


@pytest.mark.parametrize("kwargs,match", [
    (dict(Q=np.zeros((0, 3)), D=np.eye(3)), "Q is empty"),
    (dict(Q=np.ones((3, 3)), D=np.zeros((0, 3))), "D is empty"),
    (dict(Q=np.ones((3,)), D=np.eye(3)), "Q must be 2-D"),
    (dict(Q=np.ones((3, 2)), D=np.eye(3)), "columns"),
    (dict(Q=np.ones((4, 3)), D=np.eye(3)), "C\\(n, k\\)"),
    (dict(Q=np.full((3, 3), np.nan), D=np.eye(3)), "Q contains NaN"),
    (dict(Q=np.ones((3, 3)), D=np.array([[1, 0, 0], [0, np.inf, 0], [0, 0, 1.0]])), "D contains NaN"),
    (dict(Q=np.ones((1, 3)), D=np.eye(3), k=3), "k must be < n"),
    (dict(Q=np.ones((2, 3)), D=np.eye(3), qrels=[[0, 3], [0, 1]]), "document id 3, outside"),
    (dict(Q=np.ones((2, 3)), D=np.eye(3), qrels=[[0, -2], [0, 1]]), "id -2"),
    (dict(Q=np.ones((2, 3)), D=np.eye(3), qrels=[[1, 1], [0, 1]]), "document 1 more than once"),
    (dict(Q=np.ones((2, 3)), D=np.eye(3), qrels=[[0.5, 1], [0, 1]]), "other than 0 and 1"),
    (dict(Q=np.ones((3, 3)), D=np.eye(3), qrels=[[0, 1], [0, 2]]), "one row per query"),
    (dict(Q=np.ones((2, 3)), D=np.eye(3), qrels=[[0, 1, 2], [0, 1, 2]]), "no document is irrelevant"),
    (dict(Q=np.ones((2, 3)), D=np.eye(3), qrels=[[0, 1], [0, 2]], k=1), "disagrees"),
    (dict(Q=np.ones((3, 3)), D=np.eye(3), dtype=np.int32), "dtype"),
])
def test_bad_input(kwargs, match):
    kwargs.setdefault("dtype", F32)
    with pytest.raises((ValueError, TypeError), match=match):
        certify(kwargs.pop("Q"), kwargs.pop("D"), **kwargs)


_INVARIANCE_SCRIPT = """
import itertools, sys
import numpy as np
from embtheory.signrank import certify
rng = np.random.default_rng(3)
n, k, dim = 14, 2, 4
d = rng.standard_normal((n, dim))
d /= np.linalg.norm(d, axis=1, keepdims=True)
rel = np.array(list(itertools.combinations(range(n), k)))
q = d[rel].sum(axis=1) + 0.6 * rng.standard_normal((len(rel), dim))
for kw in ({}, {"chunk_size": 1}, {"chunk_size": 3}, {"chunk_size": 7}, {"chunk_size": 64},
           {"memory_budget": 14 * 4 * 4 * 3}, {"memory_budget": 2**20}):
    c = certify(q, d, dtype=np.float32, **kw)
    print(float(c.margin).hex(), float(c.global_margin).hex(), c.worst_query, c.violations)
"""


def _certificates_in_process():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(_INVARIANCE_SCRIPT, {})
    return [line for line in buf.getvalue().split("\n") if line]


def test_memory_budget_and_chunk_size_set_the_chunk_and_not_the_answer():
    lines = _certificates_in_process()
    assert len(lines) == 7
    assert len(set(lines)) == 1, lines  # bitwise the same certificate for every chunking


@pytest.mark.parametrize("isa", ["AVX2", "SSE4_2"])
def test_certificate_is_bitwise_the_same_under_another_cpu_isa(isa):
    """XLA picks other kernels for another instruction set; the certificate must not change."""
    env = dict(os.environ, XLA_FLAGS=f"--xla_cpu_max_isa={isa}", JAX_PLATFORMS="cpu")
    env.pop("JAX_ENABLE_X64", None)
    res = subprocess.run([sys.executable, "-c", _INVARIANCE_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    other = [line for line in res.stdout.split("\n") if line]
    assert len(set(other)) == 1, other
    if not jax.config.jax_enable_x64:
        assert other == _certificates_in_process()


def test_overflowing_scores_are_refused_not_certified():
    """Scores of 1e40 overflow float32: inf - inf would be NaN, which once certified 'solved'."""
    from embtheory.signrank import neighbourly_embedding
    e = neighbourly_embedding(6, dtype=np.float32)
    with pytest.raises(ValueError, match="overflow float32"):
        certify(-e.q * 1e20, e.d * 1e20, k=2, dtype=F32)
    with pytest.raises(ValueError, match="overflow float32"):
        certify(-e.q * 1e20, e.d * 1e20, k=2, dtype=F32, chunk_size=1)
    # large but representable: the verdict of the unscaled embedding, for both signs
    big = certify(e.q * 1e15, e.d * 1e15, k=2, dtype=F32)
    assert big.solved == certify(e.q, e.d, k=2, dtype=F32).solved
    flipped = certify(-e.q * 1e15, e.d * 1e15, k=2, dtype=F32)
    assert not flipped.solved and flipped.violations == 15


def test_default_dtype_runs_in_the_current_mode():
    d = np.eye(3)
    q = np.array([[1.0, 1, 0], [1, 0, 1], [0, 1, 1]])
    c = certify(q, d, k=2)
    assert c.solved and c.margin == 1.0 and c.certain


def test_certain_flags_a_verdict_that_rounding_could_flip():
    # query 0 of k = 1 prefers doc 0 by 1e-7 relative: below float32's rounding bound at this scale
    d = np.array([[1.0, 0.0], [0.0, 1.0]])
    q = np.array([[1.0, 1.0 - 1e-7], [0.0, 1.0]])
    with pytest.warns(RuntimeWarning, match="rounding could decide"):
        c = certify(q, d, qrels=[[0], [1]], dtype=F32)
    assert c.solved and not c.certain
    # a margin far above the bound: certain either way
    assert certify(np.array([[1.0, 0.5], [0.0, 1.0]]), d, qrels=[[0], [1]], dtype=F32).certain
    fail = certify(np.array([[0.5, 1.0], [0.0, 1.0]]), d, qrels=[[0], [1]], dtype=F32)
    assert not fail.solved and fail.certain


def test_certificates_of_one_document_bucket_share_one_program():
    import logging

    names = []

    class Record(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("Finished XLA compilation of jit(_certify_kernel)"):
                names.append(record.getMessage())

    rng = np.random.default_rng(3)
    jax.clear_caches()
    handler, logger = Record(), logging.getLogger("jax")
    logger.addHandler(handler)
    try:
        with jax.log_compiles(True):
            for n in range(9, 17):  # documents padded to 16, queries to C(16, 2)
                Q, D = rng.normal(size=(math.comb(n, 2), 4)), rng.normal(size=(n, 4))
                c = certify(Q, D, k=2, dtype=np.float32)
                want = _naive_margins(Q, D, n)
                assert c.violations == int(np.sum(want <= 0)) and c.worst_query == int(np.argmin(want))
    finally:
        logger.removeHandler(handler)
    assert len(names) == 1, names


def _naive_margins(Q, D, n):
    """Each query's margin, pair by pair in float64."""
    out = []
    for (a, b), q in zip(itertools.combinations(range(n), 2), Q):
        s = D @ q
        out.append(min(s[a], s[b]) - max(s[j] for j in range(n) if j not in (a, b)))
    return np.array(out)

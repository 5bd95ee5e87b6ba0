"""Top-k accuracy against a sort written here."""

import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.signrank import k_subsets, topk_accuracy

pytestmark = pytest.mark.numerics


def test_topk_accuracy_matches_sort(getkey):
    n, k = 11, 2
    rel = k_subsets(n, k)
    rng = np.random.default_rng(0)
    q = rng.normal(size=(rel.shape[0], 3)).astype(np.float32)
    d = rng.normal(size=(n, 3)).astype(np.float32)
    s = q @ d.T
    top = np.argsort(-s, axis=1, kind="stable")[:, :k]
    want = sum(len(set(top[i]) & set(rel[i])) for i in range(len(rel))) / rel.size
    got = topk_accuracy(jnp.asarray(q), jnp.asarray(d), jnp.asarray(rel), k=k)
    got_chunked = topk_accuracy(jnp.asarray(q), jnp.asarray(d), jnp.asarray(rel), k=k, chunk_size=5)
    assert float(got) == pytest.approx(want, abs=1e-7)
    assert float(got_chunked) == pytest.approx(want, abs=1e-7)
    assert 0 < want < 1

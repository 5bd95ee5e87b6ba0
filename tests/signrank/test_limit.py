import re

import jax
import numpy as np
import pytest

from embtheory.signrank import k_subsets
from embtheory.signrank.limit import generate_limit_dataset, limit_qrels, qrel_graph_stats, recall_at_k


def naive_graph_stats(rel):
    sets = [set(r) - {-1} for r in np.asarray(rel).tolist()]
    m = len(sets)
    edges, strength = 0, np.zeros(m)
    for i in range(m):
        for j in range(m):
            if i != j and sets[i] & sets[j]:
                edges += 1
                strength[i] += len(sets[i] & sets[j]) / len(sets[i] | sets[j])
    return edges / (m * (m - 1)), strength.mean()


@pytest.mark.data
@pytest.mark.parametrize("name", ["limit-small", "limit"])
def test_limit_qrel_graph(name):
    rel, _qids, dids = limit_qrels(name)
    assert rel.shape == (1000, 2) and len(dids) == 46
    assert rel.tolist() == k_subsets(46, 2)[:1000].tolist()
    s = qrel_graph_stats(rel)
    assert round(s.density, 6) == 0.085481
    assert round(s.mean_strength, 4) == 28.4653


def test_graph_stats_against_naive():
    rng = np.random.default_rng(0)
    rel = np.sort(np.argsort(rng.random((60, 25)), axis=1)[:, :3], axis=1)
    rel[5, 2] = -1  # a query with two relevant documents
    s = qrel_graph_stats(rel, chunk_size=7)
    dens, strength = naive_graph_stats(rel)
    assert s.density == pytest.approx(dens)
    assert s.mean_strength == pytest.approx(strength)
    assert s.num_queries == 60
    # one signature: chunk= (not the contract's chunk_size=) is an error naming the argument
    with pytest.raises(TypeError, match="chunk"):
        qrel_graph_stats(rel, chunk=7)


def naive_recall(q, d, rel, k):
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    dn = d / np.linalg.norm(d, axis=1, keepdims=True)
    top = np.argsort(-(qn @ dn.T), axis=1, kind="stable")[:, :k]
    return np.mean([len(set(top[i]) & set(r)) / len(r) for i, r in enumerate(rel)])


def test_recall_against_sort():
    rng = np.random.default_rng(1)
    q, d = rng.normal(size=(37, 6)), rng.normal(size=(50, 6))
    rel = [sorted(rng.choice(50, size=rng.integers(1, 4), replace=False).tolist()) for _ in range(37)]
    got = recall_at_k(q, d, rel, ks=(1, 2, 10, 50), chunk_size=8)
    assert got.ks == (1, 2, 10, 50) and got.num_queries == 37
    for k, r in got.as_dict().items():
        assert r == pytest.approx(naive_recall(q, d, rel, k), abs=1e-6)
    assert got.recall[-1] == pytest.approx(1.0)
    assert got.as_dict()[50] == got.recall[-1]
    with pytest.raises(TypeError, match="chunk"):
        recall_at_k(q, d, rel, ks=(1,), chunk=8)


def test_recall_errors():
    q, d = np.ones((3, 4)), np.eye(4)
    rel = np.array([[0, 1], [1, 2], [2, 3]])
    with pytest.raises(ValueError, match="<= the number of documents 4"):
        recall_at_k(q, d, rel, ks=(5,))
    bad = q.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        recall_at_k(bad, d, rel)
    with pytest.raises(ValueError, match="zero vector"):
        recall_at_k(np.zeros((3, 4)), d, rel, ks=(2,))
    with pytest.raises(ValueError, match="columns"):
        recall_at_k(q, np.eye(5), rel, ks=(2,))
    with pytest.raises(ValueError, match="outside"):
        recall_at_k(q, d, rel + 2, ks=(2,))
    # a non-integral index is refused (never truncated), and so is a qrel set with no
    # relevant document at all (its recall would be NaN)
    with pytest.raises(ValueError, match="integral"):
        recall_at_k(q, d, [[0.5], [1], [2]], ks=(2,))
    with pytest.raises(ValueError, match="integral"):
        recall_at_k(q, d, np.array([[0.5, 1], [1, 2], [2, 3]]), ks=(2,))
    with pytest.raises(ValueError, match="no relevant document"):
        recall_at_k(q, d, np.full((3, 2), -1), ks=(2,))
    with pytest.raises(ValueError, match="repeats"):
        recall_at_k(q, d, np.array([[1, 1], [1, 2], [2, 3]]), ks=(2,))


@pytest.mark.parametrize("pattern", ["dense", "random", "cycle", "disjoint"])
def test_generated_dataset_is_consistent(pattern):
    ds = generate_limit_dataset(30, 12, pattern=pattern, items_per_doc=8, key=jax.random.key(4))
    assert len(ds.corpus) == 30 and len(ds.queries) == 12 and len(ds.qrels) == 24
    assert len({c["_id"] for c in ds.corpus}) == 30
    for i, qy in enumerate(ds.queries):
        item = re.fullmatch(r"Who likes (.+)\?", qy["text"]).group(1)
        # exactly the relevant documents mention the query's item (naive text search)
        holders = {j for j, c in enumerate(ds.corpus) if f" {item}," in c["text"] or
                   f" {item}." in c["text"] or f"likes {item} " in c["text"] or f" {item} and" in c["text"]}
        assert holders == set(ds.rel[i].tolist())
    again = generate_limit_dataset(30, 12, pattern=pattern, items_per_doc=8, key=jax.random.key(4))
    assert again.corpus == ds.corpus
    other = generate_limit_dataset(30, 12, pattern=pattern, items_per_doc=8, key=jax.random.key(5))
    assert other.corpus != ds.corpus
    with pytest.raises(TypeError, match="seed"):
        generate_limit_dataset(30, 12, pattern=pattern, items_per_doc=8, seed=4)
    with pytest.raises(TypeError, match="key"):
        generate_limit_dataset(30, 12, pattern=pattern, items_per_doc=8)


def test_generator_errors():
    with pytest.raises(ValueError, match="items"):
        generate_limit_dataset(200, 5000, pattern="random", key=jax.random.key(0))
    with pytest.raises(ValueError, match="pattern"):
        generate_limit_dataset(46, 10, pattern="star", key=jax.random.key(0))

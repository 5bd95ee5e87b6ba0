"""Augmentations, BM25, recall@k, few-shot classifiers and bucketing, against naive references."""

from __future__ import annotations

import math
from collections import Counter

import jax
import numpy as np
import pytest

from embtheory.encoders import (
    augment,
    bm25_scores,
    bucket_of,
    fewshot_accuracy,
    knn_predict,
    length_buckets,
    nearest_mean_predict,
    pad_batch,
    recall_at_k_scores,
    terms,
)
from embtheory.signrank import RecallAtK

SENTS = ["the cat sat on the mat", "a dog ran", "one", "it 's a charming and often affecting journey ."]


# ---------------------------------------------------------------- augmentations
def test_swap_permutes_words_and_is_keyed():
    key = jax.random.key(3)
    out = augment(SENTS, method="swap", strength=0.5, key=key)
    assert out == augment(SENTS, method="swap", strength=0.5, key=key)
    assert out != augment(SENTS, method="swap", strength=0.5, key=jax.random.key(4))
    for a, s in zip(out, SENTS):
        assert Counter(a.split()) == Counter(s.split())
    assert out[2] == "one"  # a single word cannot be swapped
    assert sum(a != s for a, s in zip(out, SENTS)) >= 2


def test_delete_keeps_an_ordered_subsequence_at_the_right_rate():
    long = [" ".join(f"w{i}" for i in range(200))] * 20
    out = augment(long, method="delete", strength=0.3, key=jax.random.key(0))
    kept = [len(o.split()) for o in out]
    # 4000 Bernoulli(0.7) keeps: mean 0.7, sd 0.0072; 5 sd
    assert abs(np.mean(kept) / 200 - 0.7) < 0.036
    for o in out:
        idx = [int(w[1:]) for w in o.split()]
        assert idx == sorted(idx)
    assert all(len(o.split()) >= 1 for o in augment(SENTS, method="delete", strength=1.0,
                                                     key=jax.random.key(1)))


def test_insert_adds_round_alpha_n_words_from_the_vocabulary():
    out = augment(SENTS, method="insert", strength=0.5, key=jax.random.key(2), vocabulary=["ZZZ"])
    for o, s in zip(out, SENTS):
        n = len(s.split())
        assert len(o.split()) == n + max(1, round(0.5 * n))
        assert [w for w in o.split() if w != "ZZZ"] == s.split()  # originals keep their order
    pool = {w for s in SENTS for w in s.split()}
    default = augment(SENTS, method="insert", strength=1.0, key=jax.random.key(2))
    assert all(set(o.split()) <= pool for o in default)


def test_augment_bad_arguments():
    with pytest.raises(ValueError, match="method must be one of"):
        augment(SENTS, method="shuffle", strength=0.1, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"strength must be in \(0, 1\]"):
        augment(SENTS, method="swap", strength=0.0, key=jax.random.key(0))
    with pytest.raises(TypeError, match="single string"):
        augment("a b", method="swap", strength=0.5, key=jax.random.key(0))
    with pytest.raises(TypeError, match="PRNG key"):
        augment(SENTS, method="swap", strength=0.5, key=3)
    with pytest.raises(TypeError, match="vocabulary must be a list of words"):
        augment(SENTS, method="insert", strength=0.5, key=jax.random.key(0), vocabulary="abc")
    raw = jax.random.PRNGKey(3)  # a raw key and the typed key of the same bits give the same text
    typed = jax.random.wrap_key_data(raw)
    assert augment(SENTS, method="swap", strength=0.5, key=raw) == augment(SENTS, method="swap", strength=0.5,
                                                                          key=typed)


# ---------------------------------------------------------------- BM25
def naive_bm25(queries, docs, k1=1.5, b=0.75):
    toks = [terms(d) for d in docs]
    N = len(docs)
    avg = sum(map(len, toks)) / N
    out = np.zeros((len(queries), N))
    for i, q in enumerate(queries):
        for j, d in enumerate(toks):
            s = 0.0
            for t in terms(q):
                f = d.count(t)
                nt = sum(t in dd for dd in toks)
                idf = math.log(1 + (N - nt + 0.5) / (nt + 0.5))
                s += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avg))
            out[i, j] = s
    return out


@pytest.mark.numerics
def test_bm25_matches_the_formula_term_by_term():
    docs = ["Alice likes apples, pears and tea.", "Bob likes tea. Tea!", "Carol likes Quokkas",
            "nothing in common here at all", "apples apples apples"]
    queries = ["Who likes apples?", "Who likes tea tea", "zebra", "Quokkas"]
    got = bm25_scores(queries, docs, k1=1.2, b=0.6)
    np.testing.assert_allclose(got, naive_bm25(queries, docs, 1.2, 0.6), rtol=1e-12)
    assert got[2].max() == 0.0 and got[3].argmax() == 2


def test_recall_at_k_scores_against_a_loop():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((50, 30))
    rel = np.zeros((50, 30), bool)
    for i in range(50):
        rel[i, rng.choice(30, size=1 + i % 3, replace=False)] = True
    got = recall_at_k_scores(scores, rel, ks=(1, 2, 10, 30))
    assert isinstance(got, RecallAtK)  # one recall type for scores and for embeddings
    assert got.ks == (1, 2, 10, 30) and got.num_queries == 50
    for k in (1, 2, 10, 30):
        per = [len(set(np.argsort(-scores[i])[:k]) & set(np.flatnonzero(rel[i]))) / rel[i].sum()
               for i in range(50)]
        assert got.as_dict()[k] == pytest.approx(np.mean(per))
    assert got.recall[-1] == 1.0
    with pytest.raises(ValueError, match=r"ks\[i\] must be <= 30"):
        recall_at_k_scores(scores, rel, ks=(31,))


def test_recall_bad_input_is_refused_by_name():
    scores, rel = np.eye(3), np.eye(3, dtype=bool)
    with pytest.raises(ValueError, match="scores contains NaN"):
        recall_at_k_scores(np.where(rel, np.nan, 0.0), rel, ks=(1,))
    with pytest.raises(ValueError, match="0/1"):
        recall_at_k_scores(scores, np.eye(3) * 0.5, ks=(1,))
    with pytest.raises(TypeError, match="ks\\[i\\] must be an integer"):
        recall_at_k_scores(scores, rel, ks=(1.5,))
    with pytest.raises(ValueError, match="one shape"):
        recall_at_k_scores(scores, rel[:2], ks=(1,))
    with pytest.raises(ValueError, match="no relevant document"):
        recall_at_k_scores(scores, np.zeros((3, 3), bool), ks=(1,))
    with pytest.raises(TypeError, match="scores must be a numeric array"):
        recall_at_k_scores(np.array([["a"]]), rel[:1, :1], ks=(1,))


# ---------------------------------------------------------------- few-shot classifiers
def test_nearest_mean_and_knn_against_loops():
    rng = np.random.default_rng(1)
    S = rng.standard_normal((24, 6))
    y = np.arange(24) % 3
    X = rng.standard_normal((40, 6))
    unit = lambda A: A / np.linalg.norm(A, axis=1, keepdims=True)  # noqa: E731
    means = np.stack([unit(S)[y == c].mean(0) for c in range(3)])
    want = [int(np.argmax([unit(x[None])[0] @ m / np.linalg.norm(m) for m in means])) for x in X]
    np.testing.assert_array_equal(nearest_mean_predict(S, y, X), want)
    sims = unit(X) @ unit(S).T
    for k in (1, 5):
        want = []
        for i in range(40):
            top = np.argsort(-sims[i])[:k]
            votes = np.bincount(y[top], minlength=3)
            best = np.flatnonzero(votes == votes.max())
            want.append(int(best[np.argmax([sims[i, top][y[top] == c].sum() for c in best])]))
        np.testing.assert_array_equal(knn_predict(S, y, X, k=k), want)
    acc = fewshot_accuracy(S, y, S, y, method="knn", k=1)
    assert acc == 1.0


def test_fewshot_bad_arguments():
    S = np.eye(3)
    with pytest.raises(ValueError, match="have no support example"):
        nearest_mean_predict(S, np.array([0, 0, 2]), S)
    with pytest.raises(ValueError, match="k must be <= 3"):
        knn_predict(S, np.array([0, 1, 2]), S, k=4)
    with pytest.raises(ValueError, match="queries must have 3 columns"):
        knn_predict(S, np.array([0, 1, 2]), np.ones((2, 4)))
    with pytest.raises(ValueError, match="zero vector"):
        knn_predict(S, np.array([0, 1, 2]), np.zeros((1, 3)))


# ---------------------------------------------------------------- buckets
def test_length_buckets_and_padding():
    assert length_buckets(256) == (16, 32, 64, 128, 256)
    assert length_buckets(200) == (16, 32, 64, 128, 200)
    fine = length_buckets(256, per_octave=2)
    assert fine[:4] == (16, 24, 32, 48) and fine[-1] == 256 and len(fine) == 9
    assert bucket_of(17, (16, 32)) == 32 and bucket_of(16, (16, 32)) == 16
    with pytest.raises(ValueError, match="longer than the largest bucket"):
        bucket_of(33, (16, 32))
    ids, mask = pad_batch([[5, 6, 7], [8]], 3, 4)
    np.testing.assert_array_equal(ids, [[5, 6, 7, 0], [8, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1, 0], [1, 0, 0, 0], [1, 0, 0, 0]])

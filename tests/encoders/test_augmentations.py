"""The text augmentations (swap, delete, insert) against their definitions, keyed and reproducible."""

from __future__ import annotations

from collections import Counter

import jax
import numpy as np
import pytest

from embtheory.encoders import augment

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

"""The nearest-mean and k-NN classifiers against loops, and bad arguments refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.encoders import fewshot_accuracy, knn_predict, nearest_mean_predict


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

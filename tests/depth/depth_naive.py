"""Slow, obviously-correct NumPy references for the depth tests: explicit loops over points and pairs.

Nothing here is imported by the library; each function follows the textbook definition
literally (float64, one pair at a time).
"""

from __future__ import annotations

import itertools

import numpy as np


def cosine_dist(a, b):
    return 1.0 - float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))


def chord_dist(a, b):
    return float(np.linalg.norm(a / np.linalg.norm(a) - b / np.linalg.norm(b)))


def tte(F, G=None, dist=cosine_dist):
    """D(x; F) = 2 - mean distance, over the other m-1 points for F's own points."""
    F = np.asarray(F, np.float64)
    m = len(F)
    if G is None:
        return np.array([2.0 - sum(dist(F[i], F[k]) for k in range(m) if k != i) / (m - 1) for i in range(m)])
    G = np.asarray(G, np.float64)
    return np.array([2.0 - sum(dist(y, f) for f in F) / m for y in G])


def spatial(F, X):
    F, X = np.asarray(F, np.float64), np.asarray(X, np.float64)
    out = []
    for x in X:
        s = np.zeros(F.shape[1])
        for f in F:
            v = x - f
            nv = np.linalg.norm(v)
            if nv > 0:
                s += v / nv
        out.append(1.0 - np.linalg.norm(s / len(F)))
    return np.array(out)


def mahalanobis(F, X):
    F, X = np.asarray(F, np.float64), np.asarray(X, np.float64)
    mu = F.mean(0)
    S = np.cov(F, rowvar=False, ddof=1)
    Si = np.linalg.inv(S)
    return np.array([1.0 / (1.0 + (x - mu) @ Si @ (x - mu)) for x in X])


def projection(F, X, U):
    F, X, U = (np.asarray(a, np.float64) for a in (F, X, U))
    out = []
    for x in X:
        worst = 0.0
        for u in U:
            u = u / np.linalg.norm(u)
            p = F @ u
            med = np.median(p)
            mad = np.median(np.abs(p - med))
            dev = abs(x @ u - med)
            o = dev / mad if mad > 0 else (np.inf if dev > 0 else 0.0)
            worst = max(worst, o)
        out.append(1.0 / (1.0 + worst))
    return np.array(out)


def halfspace(F, X, U):
    F, X, U = (np.asarray(a, np.float64) for a in (F, X, U))
    out = []
    for i in range(len(X)):
        best = len(F)
        for u in U:
            p, q = F @ u, (X @ u)[i]  # the same product for F and X, so x in F meets itself exactly
            best = min(best, int(np.sum(p >= q)), int(np.sum(p <= q)))
        out.append(best / len(F))
    return np.array(out)


def halfspace_exact_2d(F, X):
    """Exact Tukey depth in the plane: the minimum is attained at a direction orthogonal to some
    x - f_k or just beside it, so test those directions rotated by +-1e-9 as well."""
    F, X = np.asarray(F, np.float64), np.asarray(X, np.float64)
    out = []
    for x in X:
        dirs = [np.array([1.0, 0.0])]
        for f in F:
            v = f - x
            if np.linalg.norm(v) == 0:
                continue
            base = np.arctan2(v[1], v[0]) + np.pi / 2
            for t in (base, base + np.pi):
                for eps in (-1e-9, 0.0, 1e-9):
                    dirs.append(np.array([np.cos(t + eps), np.sin(t + eps)]))
        out.append(halfspace(F, x[None, :], np.array(dirs))[0])
    return np.array(out)


def lens(F, X):
    F, X = np.asarray(F, np.float64), np.asarray(X, np.float64)
    m = len(F)
    out = []
    for x in X:
        hits = 0
        for i, j in itertools.combinations(range(m), 2):
            dij = np.linalg.norm(F[i] - F[j])
            if max(np.linalg.norm(x - F[i]), np.linalg.norm(x - F[j])) <= dij:
                hits += 1
        out.append(hits / (m * (m - 1) / 2))
    return np.array(out)


def reference_q(dF, dG):
    """The reference package's q, literally: pooled ranks, then count of ranks below each G rank."""
    from scipy.stats import rankdata

    ranked = rankdata(np.concatenate([dF, dG]))
    yr = ranked[len(dF):]
    return float(np.mean([sum(1 for r in ranked if r < y) / len(ranked) for y in yr]))


def liu_singh_q(dF, dG):
    return float(np.mean([[1.0 if a <= b else 0.0 for a in dF] for b in dG]))


def spatial_affine(F, X):
    """Serfling's affine-invariant spatial depth: the spatial depth after ``x -> S^{-1/2} x`` with the
    symmetric inverse square root of the sample covariance ``S`` (divisor m - 1)."""
    from scipy.linalg import sqrtm

    F, X = np.asarray(F, np.float64), np.asarray(X, np.float64)
    R = np.real(sqrtm(np.linalg.inv(np.cov(F, rowvar=False, ddof=1))))
    return spatial(F @ R, X @ R)


def _open_count(V, u):
    return int(np.sum(V @ u > 0))


def halfspace_exact_pairs(F, X, eps=1e-7):
    """Exact Tukey depth in 2-D or 3-D by brute force over the directions that point pairs define.

    The number of points strictly on the positive side of ``u`` is constant on the cells of the
    arrangement of the planes ``u . (f_k - x) = 0``; every cell has a vertex where ``d - 1`` of
    these planes meet (the normal of ``x`` and ``d - 1`` data points), and the cells around that
    vertex are reached by nudging the boundary points to either side.  Points equal to ``x``
    count in every halfspace.
    """
    F, X = np.asarray(F, np.float64), np.asarray(X, np.float64)
    m, d = F.shape
    out = []
    for x in X:
        V = F - x
        same = int(np.sum(np.all(V == 0, axis=1)))
        W = V[np.any(V != 0, axis=1)]
        best = len(W)
        for idx in itertools.combinations(range(len(W)), d - 1):
            B = W[list(idx)]  # [d-1, d]
            if d == 2:
                n = np.array([-B[0, 1], B[0, 0]])
            else:
                n = np.cross(B[0], B[1])
            if np.linalg.norm(n) < 1e-12:
                continue
            n = n / np.linalg.norm(n)
            # dual vectors: D[i] . B[j] = delta_ij and D[i] . n = 0
            D = np.linalg.pinv(np.vstack([B, n[None, :]]))[:, : d - 1].T
            for signs in itertools.product((-1.0, 1.0), repeat=d - 1):
                for s in (-1.0, 1.0):
                    u = s * n + eps * (np.asarray(signs) @ D)
                    best = min(best, _open_count(W, u))
        out.append((same + best) / m)
    return np.array(out)

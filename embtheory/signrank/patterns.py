"""Relevance patterns of the free-embedding problem, as index lists.

A qrel matrix :math:`A \\in \\{0,1\\}^{m \\times n}` with exactly ``k`` relevant documents per
query is stored as its index list ``rel`` of shape ``[m, k]`` (int32): row ``i`` holds the
documents relevant to query ``i``, in increasing order.  The dense ``m x n`` mask is never
built on a hot path: at ``n = 1,430`` it would be a 5.8 GB constant.

Patterns (Weller et al. 2025, Sec. 5 and the LIMIT generator):

* ``k_subsets(n, k)``: every k-subset of ``range(n)`` in lexicographic order (the
  free-embedding experiment; ``C(n, k)`` queries).
* ``dense``: the first ``m`` lexicographic k-subsets of the smallest prefix of documents that
  has at least ``m`` of them (LIMIT: ``m = 1000`` pairs of 46 documents).
* ``random``: ``m`` independent uniformly random k-subsets (explicit PRNG).
* ``cycle``: query ``i`` is relevant to documents ``i, i+1, ..., i+k-1`` (mod ``n``).
* ``disjoint``: query ``i`` is relevant to documents ``ik, ..., ik+k-1``.

Example:
    >>> k_subsets(4, 2).tolist()
    [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
"""

from __future__ import annotations

import math

import numpy as np

from embtheory.core.validation import check_choice, check_int, check_key, check_memory, is_concrete

__all__ = ["PATTERNS", "check_relevance", "dense_qrels", "k_subsets", "qrel_pattern", "qrels_to_mask"]

PATTERNS = ("dense", "random", "cycle", "disjoint")

#: Default budget for index lists built on the host (bytes).
DEFAULT_INDEX_BUDGET = 2 * 2**30


def _check_nk(n, k, *, name_n="n"):
    n = check_int(n, name_n, minimum=1)
    k = check_int(k, "k", minimum=1)
    if k > n:
        raise ValueError(f"k must be <= {name_n} (a query needs k distinct documents), got k={k} > "
                         f"{name_n}={n}")
    return n, k


def k_subsets(n: int, k: int, *, memory_budget: float | None = None) -> np.ndarray:
    """All k-subsets of ``range(n)`` in lexicographic order.

    Built column by column without a Python loop over subsets: the subsets whose first element
    is ``a`` are ``a`` followed by the (k-1)-subsets of ``range(a+1, n)``, so the table is a
    concatenation over ``a`` of shifted smaller tables.

    Args:
        n: number of documents (>= k).
        k: subset size (>= 1).
        memory_budget: refuse (``MemoryError``, stating the size) tables above this many bytes
            (default 2 GiB).

    Returns:
        int32 array ``[C(n, k), k]``, rows increasing, rows in lexicographic order (the order
        of ``itertools.combinations(range(n), k)``).
    """
    memory_budget = DEFAULT_INDEX_BUDGET if memory_budget is None else memory_budget
    n, k = _check_nk(n, k)
    count = math.comb(n, k)
    peak = max(math.comb(n, s) * s for s in range(1, k + 1))  # the widest intermediate table
    check_memory(peak * 4, "k_subsets(n, k)", memory_budget=memory_budget,
                 fix=f"C({n},{k}) = {count:,} subsets of {k} int32; lower n or k")
    # T(s) = the s-subsets of range(n), lexicographic.  The rows of T(s) starting with ``a``
    # are ``a`` followed by the rows of T(s-1) whose first element is > a (a suffix of T(s-1),
    # since T(s-1) is sorted by its first column): one gather per size, no loop over subsets.
    table = np.arange(n, dtype=np.int32)[:, None]
    for _ in range(2, k + 1):
        firsts = np.arange(n, dtype=np.int32)
        start = np.searchsorted(table[:, 0], firsts + 1, side="left")
        lengths = table.shape[0] - start
        offsets = np.cumsum(lengths) - lengths
        total = int(lengths.sum())
        rows = np.arange(total, dtype=np.int64) - np.repeat(offsets, lengths) + np.repeat(start, lengths)
        table = np.concatenate([np.repeat(firsts, lengths)[:, None], table[rows]], axis=1)
    out = table
    assert out.shape == (count, k)
    return out


def dense_qrels(num_queries: int, k: int = 2) -> tuple[np.ndarray, int]:
    """LIMIT's "dense" pattern: the first ``num_queries`` k-subsets of the smallest prefix.

    Returns:
        ``(rel [num_queries, k] int32, n_used)`` with ``n_used`` the smallest ``n`` with
        ``C(n, k) >= num_queries`` (46 for LIMIT's 1,000 pairs).
    """
    m = check_int(num_queries, "num_queries", minimum=1)
    k = check_int(k, "k", minimum=1)
    check_memory(m * k * 4, f"dense_qrels(num_queries={m:,}, k={k:,})", memory_budget=DEFAULT_INDEX_BUDGET,
                 fix=f"{m:,} queries x {k:,} int32; lower num_queries or k")
    n = k
    while math.comb(n, k) < m:
        n += 1
    # the table of every k-subset of the prefix is built before its first m rows are kept
    check_memory(math.comb(n, k) * k * 4, f"dense_qrels(num_queries={m:,}, k={k:,})",
                 memory_budget=DEFAULT_INDEX_BUDGET,
                 fix=f"its prefix of n = {n:,} documents has C({n:,}, {k:,}) = {math.comb(n, k):,} subsets; "
                     "lower num_queries or k")
    return k_subsets(n, k)[:m], n


def qrel_pattern(pattern: str, num_docs: int, num_queries: int, *, k: int = 2, key=None,
                 memory_budget: float | None = None) -> np.ndarray:
    """Index list of a LIMIT relevance pattern.

    Args:
        pattern: ``"dense"``, ``"random"``, ``"cycle"`` or ``"disjoint"``.
        num_docs: number of documents ``n``.
        num_queries: number of queries ``m``.
        k: relevant documents per query.
        key: PRNG key of the ``"random"`` pattern (required for it): the key's data seed a host
            generator.
        memory_budget: refuse index lists above this many bytes (default 2 GiB).

    Returns:
        int32 ``[m, k]``; each row sorted.

    Raises:
        ValueError: ``k > num_docs``; ``dense`` needing more than ``num_docs`` documents;
            ``disjoint`` needing ``m k > num_docs`` documents.
    """
    memory_budget = DEFAULT_INDEX_BUDGET if memory_budget is None else memory_budget
    check_choice(pattern, "pattern", PATTERNS)
    n, k = _check_nk(num_docs, k, name_n="num_docs")
    m = check_int(num_queries, "num_queries", minimum=1)
    check_memory(m * k * 4, "qrel index list", memory_budget=memory_budget,
                 fix=f"{m:,} queries x {k} int32; lower num_queries")
    if pattern == "dense":
        rel, used = dense_qrels(m, k)
        if used > n:
            raise ValueError(f"dense pattern with {m} queries and k={k} needs {used} documents, "
                             f"num_docs={n}: raise num_docs or lower num_queries")
        return rel
    if pattern == "disjoint":
        if m * k > n:
            raise ValueError(f"disjoint pattern needs num_queries*k = {m * k} documents, "
                             f"num_docs={n}: raise num_docs or lower num_queries")
        return np.arange(m * k, dtype=np.int32).reshape(m, k)
    if pattern == "cycle":
        rel = (np.arange(m, dtype=np.int64)[:, None] + np.arange(k)[None, :]) % n
        return np.sort(rel, axis=1).astype(np.int32)
    if key is None:
        raise ValueError("the random pattern needs key=<PRNG key> (explicit randomness), e.g. "
                         "key=jax.random.key(0)")
    return _random_pattern(n, m, k, _host_rng(key))


def _host_rng(key) -> np.random.Generator:
    """A NumPy generator seeded by a PRNG key's data (a pure function of the key)."""
    import jax

    data = np.asarray(jax.random.key_data(check_key(key))).astype(np.uint64).ravel()
    return np.random.default_rng([int(x) for x in data])


def _random_pattern(n: int, m: int, k: int, rng: np.random.Generator) -> np.ndarray:
    # k distinct documents per query: argsort of uniform keys, vectorised over queries.
    if n <= 4096:
        rel = np.argsort(rng.random((m, n)), axis=1)[:, :k]
    else:  # rejection: draw k with replacement, redraw rows with duplicates
        rel = rng.integers(0, n, size=(m, k))
        while True:
            s = np.sort(rel, axis=1)
            bad = np.any(s[:, 1:] == s[:, :-1], axis=1) if k > 1 else np.zeros(m, bool)
            if not bad.any():
                break
            rel[bad] = rng.integers(0, n, size=(int(bad.sum()), k))
    return np.sort(rel, axis=1).astype(np.int32)


def qrels_to_mask(rel: np.ndarray, num_docs: int) -> np.ndarray:
    """The dense boolean ``[m, n]`` relevance matrix of an index list (tests and small sizes)."""
    rel = np.asarray(rel)
    n = check_int(num_docs, "num_docs", minimum=1)
    if rel.ndim != 2:
        raise ValueError(f"rel must be 2-D [queries, k], got shape {rel.shape}")
    if rel.size and (rel.min() < 0 or rel.max() >= n):
        raise ValueError(f"rel holds document ids outside [0, {n}): got range [{rel.min()}, {rel.max()}]")
    mask = np.zeros((rel.shape[0], n), bool)
    mask[np.arange(rel.shape[0])[:, None], rel] = True
    return mask


def check_relevance(rel, num_docs: int, *, valid=None, name: str = "rel") -> None:
    """Checks relevance index lists ``[m, k]``: integers in ``[0, num_docs)``, distinct per row.

    Entries where ``valid`` (``[m, k]`` bool) is False are padding and are not checked.  Runs on
    concrete arrays only (a traced ``rel`` inside ``jit`` is not checked): JAX's gather would
    clamp an out-of-range index silently, and a repeated index would be counted twice, so both
    are refused up front.
    """
    if not is_concrete(rel, valid):
        return
    r = np.asarray(rel)
    if r.ndim != 2 or not np.issubdtype(r.dtype, np.integer):
        raise ValueError(f"{name} must be a 2-D integer array [queries, k], got shape {r.shape} "
                         f"and dtype {r.dtype}")
    ok = np.ones(r.shape, bool) if valid is None else np.broadcast_to(np.asarray(valid, bool), r.shape)
    ids = r[ok]
    if ids.size and (ids.min() < 0 or ids.max() >= num_docs):
        raise ValueError(f"{name} holds document ids outside [0, {num_docs}) (min {ids.min()}, max "
                         f"{ids.max()}): ids index the rows of the document matrix")
    if r.shape[1] > 1:
        marked = np.where(ok, r, -1 - np.arange(r.shape[1])[None, :])  # padding never collides
        repeats = np.any(np.diff(np.sort(marked, axis=1), axis=1) == 0, axis=1)
        if repeats.any():
            raise ValueError(f"{name} repeats a document within query {int(np.argmax(repeats))}: each "
                             "relevant set must list distinct documents")

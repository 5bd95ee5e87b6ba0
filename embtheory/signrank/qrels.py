r"""Your own retrieval problem: qrels in every form, normalised into one validated :class:`Qrels`.

A free-embedding problem is a set of queries, each with a non-empty set of relevant documents
and at least one irrelevant one.  Researchers hold it in many forms; :func:`as_qrels` reads each
of them (and every sign-rank entry point that takes ``qrels=`` calls it):

* a dense ``[queries, documents]`` mask, bool or 0/1 (``mask[i, j]``: document ``j`` is
  relevant to query ``i``);
* a list of relevant-document lists, one per query, of any lengths (ragged);
* a padded ``[queries, width]`` integer index array, ``-1`` marking padding;
* BEIR/MTEB qrels: a TSV file (``query-id  corpus-id  score``, with or without a header line), a
  JSON-lines file (objects with ``query-id``, ``corpus-id``, ``score``; ``_`` instead of ``-``
  too) or a list of ``(query_id, corpus_id, score)`` triples; string ids.  Scores in
  ``{0, 1}`` are binary (1 relevant); any other score is graded and needs ``threshold``
  (relevant iff ``score >= threshold``);
* every k-subset of ``n`` documents (:meth:`Qrels.subsets`, the free-embedding experiment).

Whatever the form, the problem is kept once, as a padded index array: row ``i`` lists query
``i``'s relevant documents in increasing order and then ``-1``.  The kernels read it as
``rel`` (padding replaced by the row's first document, so every gather is in range) and
``rel_valid`` (False on padding); the id maps (``query_ids``, ``doc_ids``) say which row and
column is which of your ids.

Refused with a ValueError naming the query: no relevant document, no irrelevant document, a
document listed twice, an id out of range, no query at all, graded scores without a threshold.
An integer array of 0s and 1s is read as a mask when it cannot be an index list (a row repeats
an id, or its width equals ``n_docs``); pass ``mask.astype(bool)`` to say so explicitly.

Example (a user's 4 documents and 3 queries, two with one relevant document, one with two):
    >>> import io
    >>> tsv = io.StringIO("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t1\nq2\td3\t1\nq3\td4\t1\n")
    >>> qr = read_qrels(tsv)
    >>> qr.num_queries, qr.n_docs, qr.counts.tolist()
    (3, 4, [2, 1, 1])
    >>> qr.index.tolist()
    [[0, 1], [2, -1], [3, -1]]
    >>> as_qrels([[0, 1], [2], [3]], n_docs=4).index.tolist() == qr.index.tolist()
    True

Then one call each: ``solve(qrels=qr, dim=3, key=jax.random.key(0))``,
``min_dimension(qrels=qr, dims=range(2, 6))``, ``certify(Q, D, qrels=qr)``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
from collections.abc import Sequence

import numpy as np

from embtheory.core.validation import check_int, check_real, is_concrete
from embtheory.signrank.patterns import k_subsets

__all__ = ["Qrels", "as_qrels", "read_qrels"]

_MAX_DOCS = 2**31 - 1  # the kernels index documents with int32


@dataclasses.dataclass(frozen=True, eq=False)
class Qrels:
    """A validated retrieval problem (build it with :func:`as_qrels` or :func:`read_qrels`).

    Attributes:
        index: ``[m, width]`` int32, row ``i`` the relevant documents of query ``i`` in
            increasing order, then ``-1`` padding (``width`` = the largest relevant set).
        n_docs: the number of documents ``n`` (ids ``0 .. n - 1``).
        query_ids: your id of each row (None: the rows are the ids).
        doc_ids: your id of each document (None: the positions are the ids).
    """

    index: np.ndarray
    n_docs: int
    query_ids: tuple | None = None
    doc_ids: tuple | None = None

    @property
    def num_queries(self) -> int:
        """``m``."""
        return int(self.index.shape[0])

    @property
    def counts(self) -> np.ndarray:
        """``[m]`` int32: the number of relevant documents of each query."""
        return np.sum(self.index >= 0, axis=1).astype(np.int32)

    @property
    def k(self) -> int | None:
        """The common number of relevant documents per query; None when queries differ."""
        c = self.counts
        return int(c[0]) if np.all(c == c[0]) else None

    @property
    def rel(self) -> np.ndarray:
        """``[m, width]`` int32 ids with each padding slot holding its row's first document.

        A repeated relevant document leaves "is relevant" unchanged, so masks built from it
        need no ``rel_valid``; sums over it do (see :attr:`rel_valid`).
        """
        return np.where(self.index >= 0, self.index, self.index[:, :1]).astype(np.int32)

    @property
    def rel_valid(self) -> np.ndarray:
        """``[m, width]`` bool: False on padding slots."""
        return self.index >= 0

    def mask(self) -> np.ndarray:
        """The dense ``[m, n]`` bool relevance matrix (small problems and tests)."""
        out = np.zeros((self.num_queries, self.n_docs), bool)
        rows = np.repeat(np.arange(self.num_queries), self.index.shape[1])
        flat = self.index.ravel()
        out[rows[flat >= 0], flat[flat >= 0]] = True
        return out

    @classmethod
    def subsets(cls, n: int, k: int = 2) -> Qrels:
        """Every k-subset of ``n`` documents as a query, in lexicographic order."""
        n = check_int(n, "n", minimum=2)
        k = check_int(k, "k", minimum=1)
        if k >= n:
            raise ValueError(f"k must be < n (a query needs an irrelevant document), got k={k}, n={n}")
        return cls(index=k_subsets(n, k), n_docs=n)

    def __repr__(self) -> str:
        c = self.counts
        return (f"Qrels(num_queries={self.num_queries}, n_docs={self.n_docs}, relevant per query "
                f"{int(c.min())}..{int(c.max())})")


def _query_name(i: int, query_ids) -> str:
    return f"query {i}" if query_ids is None else f"query {i} ({query_ids[i]!r})"


def _from_lists(lists: list[list[int]], n_docs: int | None, name: str, query_ids=None,
                doc_ids=None) -> Qrels:
    """The one constructor every form goes through: validates and pads per-query id lists."""
    if not lists:
        raise ValueError(f"{name} is empty: a problem needs at least one query with a relevant document")
    top = max((max(r) for r in lists if len(r)), default=-1)
    if n_docs is None:
        n = top + 1
    else:
        n = check_int(n_docs, "n_docs", minimum=1, maximum=_MAX_DOCS)
    for i, r in enumerate(lists):
        if not len(r):
            raise ValueError(f"{name}: {_query_name(i, query_ids)} has no relevant document; drop it or "
                             "give it one (a query with nothing to find poses no ranking problem)")
        lo, hi = min(r), max(r)
        if lo < 0 or hi >= n:
            raise ValueError(f"{name}: {_query_name(i, query_ids)} lists document id {lo if lo < 0 else hi}, "
                             f"outside [0, n_docs={n}); ids index the documents (pass n_docs= for a larger "
                             "corpus)")
        if len(set(r)) != len(r):
            dup = sorted(x for x in set(r) if list(r).count(x) > 1)[0]
            raise ValueError(f"{name}: {_query_name(i, query_ids)} lists document {dup} more than once; "
                             "each relevant set must list distinct documents")
        if len(r) >= n:
            raise ValueError(f"{name}: {_query_name(i, query_ids)} finds every one of the {n} documents "
                             "relevant, so no document is irrelevant to it; drop the query or pass "
                             "n_docs= for a larger corpus")
    width = max(len(r) for r in lists)
    index = np.full((len(lists), width), -1, np.int32)
    for i, r in enumerate(lists):
        index[i, : len(r)] = sorted(r)
    return Qrels(index=index, n_docs=n, query_ids=None if query_ids is None else tuple(query_ids),
                 doc_ids=None if doc_ids is None else tuple(doc_ids))


def _index_rows(arr: np.ndarray) -> list[list[int]]:
    return [[int(x) for x in row if x != -1] for row in arr]


def _from_array(arr: np.ndarray, n_docs, name: str) -> Qrels:
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (a [queries, documents] mask or a [queries, width] index "
                         f"array), got shape {arr.shape}; a list of per-query lists is read as ragged qrels")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}): a problem needs at least one query with a "
                         "relevant document")
    if arr.dtype == np.bool_:
        return _from_mask(arr, n_docs, name)
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isin(arr, (0.0, 1.0))):
            raise TypeError(f"{name} is a float array with values other than 0 and 1: pass a bool or 0/1 "
                            "mask, or an integer index array (-1 padding)")
        return _from_mask(arr.astype(bool), n_docs, name)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integers or booleans, got dtype {arr.dtype}")
    binary = arr.shape[1] >= 2 and bool(np.all((arr == 0) | (arr == 1)))
    if binary:
        repeats = bool(np.any(np.diff(np.sort(arr, axis=1), axis=1) == 0))
        if repeats or (n_docs is not None and int(n_docs) == arr.shape[1]):
            return _from_mask(arr.astype(bool), n_docs, name)
    if np.any(arr < -1):
        i = int(np.argmax(np.any(arr < -1, axis=1)))
        raise ValueError(f"{name}: query {i} lists document id {int(arr[i].min())}; ids are >= 0 and -1 "
                         "marks padding")
    return _from_lists(_index_rows(arr), n_docs, name)


def _from_mask(mask: np.ndarray, n_docs, name: str) -> Qrels:
    if n_docs is not None and check_int(n_docs, "n_docs", minimum=1, maximum=_MAX_DOCS) != mask.shape[1]:
        raise ValueError(f"{name} is a mask of {mask.shape[1]} documents but n_docs={n_docs}: a mask has one "
                         "column per document")
    return _from_lists([np.flatnonzero(row).tolist() for row in mask], mask.shape[1], name)


def as_qrels(qrels, *, n_docs: int | None = None, threshold: float | None = None) -> Qrels:
    """Any form of qrels (see the module docstring) as a validated :class:`Qrels`.

    Args:
        qrels: a :class:`Qrels`, a bool/0-1 mask, a padded index array (``-1`` padding), a list of
            per-query document lists, a list of ``(query_id, corpus_id, score)`` triples, or a
            path to a BEIR/MTEB TSV or JSON-lines file.
        n_docs: the number of documents (default: the mask's width, or the largest id + 1;
            documents no query lists need it).  A :class:`Qrels` must agree with it.
        threshold: for graded scores, the least score that counts as relevant.

    Raises:
        TypeError / ValueError naming the query and the fix (see the module docstring).
    """
    if threshold is not None:
        threshold = check_real(threshold, "threshold")
    if isinstance(qrels, Qrels):
        if n_docs is not None and check_int(n_docs, "n_docs", minimum=1, maximum=_MAX_DOCS) != qrels.n_docs:
            raise ValueError(f"qrels has {qrels.n_docs} documents but there are {n_docs} (the rows of the "
                             "document matrix): build the Qrels with n_docs= the corpus size")
        return qrels
    if qrels is None:
        raise TypeError("qrels must be given: a mask, index array, list of relevant-document lists, BEIR "
                        "triples or a qrels file path")
    if isinstance(qrels, (str, os.PathLike)):
        return read_qrels(qrels, threshold=threshold, n_docs=n_docs)
    if np.isscalar(qrels) or (hasattr(qrels, "ndim") and qrels.ndim == 0):
        raise TypeError(f"qrels must be a list or array of per-query relevant documents, got the scalar "
                        f"{qrels!r}; one query with one relevant document is [[doc]]")
    if hasattr(qrels, "shape") and hasattr(qrels, "dtype"):
        if not is_concrete(qrels):
            raise TypeError("qrels must be concrete (checked on the host), got a tracer")
        return _from_array(np.asarray(qrels), n_docs, "qrels")
    if not isinstance(qrels, Sequence):
        raise TypeError(f"qrels must be a sequence or array, got {type(qrels).__name__}")
    rows = list(qrels)
    if not rows:
        raise ValueError("qrels is empty: a problem needs at least one query with a relevant document")
    if all(isinstance(r, (tuple, list)) and len(r) == 3 and isinstance(r[0], str) for r in rows):
        return _from_triples(rows, threshold=threshold, n_docs=n_docs)
    arrays = [None if np.isscalar(r) else np.asarray(r) for r in rows]
    if all(a is not None and a.ndim == 1 for a in arrays) and len({a.shape for a in arrays}) == 1 \
            and any(a.dtype == np.bool_ or not np.issubdtype(a.dtype, np.integer) for a in arrays):
        # rows of bools or floats, all one length: a mask written as nested lists
        return _from_array(np.asarray(rows), n_docs, "qrels")
    lists = []
    for i, r in enumerate(rows):
        if np.isscalar(r):
            raise TypeError(f"qrels[{i}] is the scalar {r!r}: each query's entry must be a list of its "
                            f"relevant documents (e.g. [{r!r}])")
        a = np.asarray(r)
        if a.dtype == np.bool_ or (a.size and not np.issubdtype(a.dtype, np.integer)):
            raise TypeError(f"qrels[{i}] must list integer document ids, got dtype {a.dtype} (a mask row? "
                            "pass the whole mask as a 2-D bool array)")
        if a.ndim != 1:
            raise ValueError(f"qrels[{i}] must be a flat list of document ids, got shape {a.shape}")
        lists.append([int(x) for x in a])
    return _from_lists(lists, n_docs, "qrels")


def _number(text: str, where: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"{where}: the score {text!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{where}: the score {text!r} is not finite")
    return v


def _from_triples(rows, *, threshold, n_docs=None, doc_ids=None, source="qrels") -> Qrels:
    if threshold is not None:
        threshold = check_real(threshold, "threshold")
    scores = [_number(str(r[2]), f"{source} line {i + 1}") if isinstance(r[2], str)
              else _number(repr(float(r[2])), f"{source} line {i + 1}") for i, r in enumerate(rows)]
    graded = any(s not in (0.0, 1.0) for s in scores)
    if graded and threshold is None:
        seen = sorted(set(scores))
        raise ValueError(f"{source} has graded scores ({seen[:6]}{' ...' if len(seen) > 6 else ''}): pass "
                         "threshold=<least relevant score> (e.g. threshold=1 keeps every positive grade)")
    cut = 1.0 if threshold is None else threshold
    queries: dict[str, list[str]] = {}
    docs: dict[str, int] = {} if doc_ids is None else {str(d): j for j, d in enumerate(doc_ids)}
    if doc_ids is not None and len(docs) != len(doc_ids):
        raise ValueError("doc_ids repeats an id: each document needs one position")
    for (qid, did, _), s in zip(rows, scores):
        qid, did = str(qid), str(did)
        if did not in docs:
            if doc_ids is not None:
                raise ValueError(f"{source}: query {qid!r} names document {did!r}, which is not in doc_ids")
            docs[did] = len(docs)
        lst = queries.setdefault(qid, [])
        if s >= cut:
            lst.append(did)
    qids = list(queries)
    lists = [[docs[d] for d in queries[q]] for q in qids]
    n = len(docs) if n_docs is None else check_int(n_docs, "n_docs", minimum=len(docs), maximum=_MAX_DOCS)
    names = tuple(docs)
    if n > len(names):
        names = names + tuple(f"<unlisted {j}>" for j in range(len(names), n))
    return _from_lists(lists, n, source, query_ids=qids, doc_ids=names)


def read_qrels(source, *, threshold: float | None = None, doc_ids: Sequence[str] | None = None,
               n_docs: int | None = None) -> Qrels:
    """BEIR/MTEB qrels from a TSV or JSON-lines file (a path or an open text file).

    Queries are numbered in order of first appearance; documents in order of first appearance
    (score-0 judgements included) unless ``doc_ids`` gives the corpus order.

    Args:
        source: path or text file: ``query-id<TAB>corpus-id<TAB>score`` lines (an optional header
            line), or one JSON object per line with ``query-id``/``corpus-id``/``score``.
        threshold: for graded scores, the least relevant score (required when a score is not 0
            or 1).
        doc_ids: the corpus ids in order (documents no judgement names are then irrelevant to
            every query).
        n_docs: at least the documents named (extra, unnamed documents are irrelevant to all).
    """
    name = "qrels"
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
    elif isinstance(source, io.TextIOBase) or hasattr(source, "read"):
        text = source.read()
    else:
        raise TypeError(f"source must be a path or a text file, got {type(source).__name__}")
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise ValueError(f"{name} holds no qrels line")
    rows = []
    if lines[0][1].lstrip().startswith("{"):
        for no, ln in lines:
            try:
                obj = json.loads(ln)
            except json.JSONDecodeError as e:
                raise ValueError(f"{name} line {no} is not JSON: {e}") from None
            got = {k.replace("_", "-"): v for k, v in obj.items()}
            if not {"query-id", "corpus-id"} <= set(got):
                raise ValueError(f"{name} line {no} needs query-id and corpus-id (and score), got keys "
                                 f"{sorted(obj)}")
            rows.append((str(got["query-id"]), str(got["corpus-id"]), got.get("score", 1)))
    else:
        for j, (no, ln) in enumerate(lines):
            parts = ln.split("\t") if "\t" in ln else ln.split()
            parts = [p.strip() for p in parts]
            if len(parts) != 3:
                raise ValueError(f"{name} line {no} has {len(parts)} fields; BEIR qrels lines are "
                                 "query-id, corpus-id, score")
            if j == 0:
                try:
                    float(parts[2])
                except ValueError:
                    continue  # a header line
            rows.append(tuple(parts))
    if not rows:
        raise ValueError(f"{name} holds a header but no qrels line")
    return _from_triples(rows, threshold=threshold, n_docs=n_docs, doc_ids=doc_ids, source=name)

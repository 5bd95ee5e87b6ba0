"""LIMIT and LIMIT-small (Weller et al. 2025) in MTEB/BEIR json lines.

Each dataset has 1,000 queries "Who likes X?" with exactly two relevant documents each. The
qrels are the first 1,000 of the C(46, 2) = 1,035 pairs of 46 documents in lexicographic order
(documents numbered by first appearance in the qrels), so the relevance matrix is a fixed
"dense" pattern. LIMIT-small's corpus is exactly those 46 documents; the 50k-document corpus of
the full LIMIT was not in the public snapshot this project was built from, so ``load_limit("limit")``
returns an empty corpus (its queries and qrels are complete).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embtheory.core.validation import check_choice
from embtheory.data.cache import DataError, fetch

__all__ = ["LimitData", "Relevance", "load_limit"]


class Relevance(NamedTuple):
    """The relevance matrix of LIMIT's qrels (unpacks as ``rel, query_ids, doc_ids``).

    Attributes:
        rel: bool ``[n_queries, n_docs]``, ``rel[i, j]`` true when document ``doc_ids[j]`` is
            relevant to query ``query_ids[i]``.
        query_ids: the queries' ids, in file order.
        doc_ids: the documents' ids, in order of first appearance in the qrels.
    """

    rel: np.ndarray
    query_ids: list[str]
    doc_ids: list[str]


@dataclasses.dataclass(frozen=True)
class LimitData:
    """A LIMIT retrieval set.

    Attributes:
        corpus: documents ``{"_id", "title", "text"}`` in file order (empty for ``"limit"``).
        queries: queries ``{"_id", "text"}`` in file order.
        qrels: the relevant ``(query_id, corpus_id)`` pairs in file order (score > 0).
    """

    corpus: list[dict]
    queries: list[dict]
    qrels: list[tuple[str, str]]

    def relevance(self) -> Relevance:
        """The relevance matrix of the qrels.

        Returns:
            A :class:`Relevance` ``(rel, query_ids, doc_ids)``: ``rel`` is bool ``[n_queries, n_docs]`` with
            ``rel[i, j]`` true when document ``doc_ids[j]`` is relevant to query ``query_ids[i]``;
            queries are in file order and documents in order of first appearance in the qrels
            (the order in which LIMIT's qrels are the lexicographic pairs). Only documents that
            are relevant to some query are columns.
        """
        query_ids = [q["_id"] for q in self.queries]
        doc_ids = list(dict.fromkeys(d for _, d in self.qrels))
        qi = {q: i for i, q in enumerate(query_ids)}
        di = {d: j for j, d in enumerate(doc_ids)}
        rel = np.zeros((len(query_ids), len(doc_ids)), dtype=bool)
        rows = np.fromiter((qi[q] for q, _ in self.qrels), dtype=np.int64, count=len(self.qrels))
        cols = np.fromiter((di[d] for _, d in self.qrels), dtype=np.int64, count=len(self.qrels))
        rel[rows, cols] = True
        return Relevance(rel, query_ids, doc_ids)


def _read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                raise DataError(f"{path} line {lineno} is not valid JSON ({e}): delete the file and "
                                "fetch it again") from None
            missing = [k for k in required if k not in row]
            if missing:
                raise DataError(f"{path} line {lineno} lacks {missing}: delete the file and fetch it again")
            rows.append(row)
    return rows


def load_limit(name: str = "limit-small", *, root: str | os.PathLike | None = None,
               base_url: str | None = None) -> LimitData:
    """Loads LIMIT-small (46 documents) or LIMIT (queries and qrels only), fetching if needed.

    Args:
        name: ``"limit-small"`` or ``"limit"``.
        root: the data directory; default :func:`~embtheory.data.data_dir`.
        base_url: a download mirror, as for :func:`~embtheory.data.fetch`.

    Returns:
        A :class:`LimitData`: 1,000 queries and 2,000 qrels; 46 documents for ``"limit-small"``,
        none for ``"limit"``.

    Example:
        >>> data = load_limit("limit-small")          # doctest: +SKIP
        >>> len(data.corpus), len(data.queries), len(data.qrels)  # doctest: +SKIP
        (46, 1000, 2000)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be 'limit-small' or 'limit', got {name!r}")
    check_choice(name, "name", ("limit-small", "limit"))
    files = fetch(name, root=root, base_url=base_url)
    corpus = (_read_jsonl(files["corpus.jsonl"], ("_id", "text")) if "corpus.jsonl" in files else [])
    queries = _read_jsonl(files["queries.jsonl"], ("_id", "text"))
    raw = _read_jsonl(files["qrels.jsonl"], ("query-id", "corpus-id"))
    qrels = [(str(r["query-id"]), str(r["corpus-id"])) for r in raw if float(r.get("score", 1)) > 0]
    known_q = {q["_id"] for q in queries}
    bad = next((q for q, _ in qrels if q not in known_q), None)
    if bad is not None:
        raise DataError(f"{name} qrels name query {bad!r}, absent from queries.jsonl: "
                        "fetch the dataset again")
    if corpus:
        known_d = {d["_id"] for d in corpus}
        bad = next((d for _, d in qrels if d not in known_d), None)
        if bad is not None:
            raise DataError(f"{name} qrels name document {bad!r}, absent from corpus.jsonl: "
                            "fetch the dataset again")
    for doc in corpus:
        doc.setdefault("title", "")
    return LimitData(corpus=corpus, queries=queries, qrels=qrels)

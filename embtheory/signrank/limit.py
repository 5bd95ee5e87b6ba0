"""The LIMIT dataset: loading, generating LIMIT-style sets, recall@k and qrel-graph statistics.

LIMIT (Weller et al. 2025) asks "Who likes X?" of documents "<Name> likes a, b, ... and z.";
each query has exactly two relevant documents, and the qrels are the "dense" pattern (the first
1,000 lexicographic pairs of 46 documents).  :func:`generate_limit_dataset` builds such sets of
any size and relevance pattern from this module's own name and item lists and template, so the
text-encoder experiments can vary n, the pattern and k.  :func:`recall_at_k` scores any query
and document embeddings (top-k on the device, chunked over queries).

Qrel-graph statistics (:func:`qrel_graph_stats`): the *query graph* has a node per query and an
edge between two queries that share a relevant document, weighted by the Jaccard similarity of
their relevant sets.  Its density is edges / (m (m - 1) / 2) and a query's strength is the sum
of its edge weights.  On LIMIT's qrels: density 0.085481, mean strength 28.4653 (each shared
document gives Jaccard 1/3 for pairs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import as_matrix, check_choice, check_index_array, check_int, check_key
from embtheory.signrank.accuracy import _topk_hits
from embtheory.signrank.patterns import PATTERNS, _check_nk, _host_rng, _random_pattern, qrel_pattern

__all__ = ["LimitSet", "QrelGraphStats", "RecallAtK", "generate_limit_dataset", "limit_qrels",
           "qrel_graph_stats", "qrels_index", "recall_at_k"]

# Our own vocabulary (written for this project).
_FIRST = ("Ada Bruno Celia Dario Elena Felix Greta Hugo Ilse Jonas Karin Lorenzo Mira Nils Olga "
          "Pavel Quinn Rosa Stefan Tilda Ugo Vera Wim Xenia Yusuf Zora Anouk Bram Cleo Dmitri "
          "Esme Fabio Gwen Hamid Ingrid Jules Katya Leon Maren Nuno").split()
_SUR_A = "Ald Bren Cor Dun Ell Fal Gar Hol Isk Jor Kel Lind Mor Nest Orm Pell Quar Ros Stav Tor".split()
_SUR_B = "berg dale ford hurst ley mont quist ridge stad ton vik wick worth bach mere".split()
_ADJ = ("amber antique bamboo brass carved chrome copper crimson dappled enamel feathered frosted "
        "gilded glazed granite indigo ivory jade knitted lacquered linen marble mossy oaken "
        "painted pearl quilted rustic saffron silver slate spotted striped teal velvet walnut "
        "woven").split()
_NOUN = ("anchors banjos barometers beehives bicycles bonsai candles canoes clocks compasses "
         "dominoes drums easels fiddles gliders globes hammocks harmonicas helmets kayaks "
         "kettles kites lanterns lockets looms mandolins maps marionettes mosaics oars "
         "origami puzzles quills rafts sailboats scarves sextants sleds spinning-tops "
         "telescopes teapots tents thimbles toboggans trumpets typewriters umbrellas vases "
         "weathervanes whistles windmills xylophones yo-yos zithers").split()


@dataclasses.dataclass(frozen=True)
class LimitSet:
    """A LIMIT-style retrieval set (same fields as :class:`embtheory.data.LimitData`).

    Attributes:
        corpus: ``{"_id", "title", "text"}`` documents.
        queries: ``{"_id", "text"}`` queries.
        qrels: relevant ``(query_id, corpus_id)`` pairs.
        rel: ``[m, k]`` int index list into ``corpus`` (row i: query i).
    """

    corpus: list[dict]
    queries: list[dict]
    qrels: list[tuple[str, str]]
    rel: np.ndarray


def _names(count: int, rng: np.random.Generator) -> list[str]:
    combos = len(_FIRST) * len(_SUR_A) * len(_SUR_B)
    initials = 26
    if count > combos * initials:
        raise ValueError(f"num_docs={count} exceeds the {combos * initials:,} distinct names available")
    pick = rng.choice(combos * initials, size=count, replace=False)
    out = []
    for p in pick.tolist():
        p, ini = divmod(p, initials)
        p, b = divmod(p, len(_SUR_B))
        f, a = divmod(p, len(_SUR_A))
        mid = f" {chr(65 + ini)}." if count > combos else ""
        out.append(f"{_FIRST[f]}{mid} {_SUR_A[a]}{_SUR_B[b]}")
    return out


def _items() -> list[str]:
    return [f"{a.capitalize()} {b.replace('-', ' ').capitalize()}" for a in _ADJ for b in _NOUN]


def generate_limit_dataset(num_docs: int = 46, num_queries: int = 1000, *, pattern: str = "dense",
                           k: int = 2, items_per_doc: int = 20, key) -> LimitSet:
    """A LIMIT-style dataset of any size and relevance pattern, from our own lists.

    Each query gets its own item ("Who likes <item>?"); every document relevant to it likes
    that item; each document is then topped up to ``items_per_doc`` items with filler items
    used by no query (so no filler makes a document relevant to another query).  Document
    text: ``"<Name> likes a, b, ... and z."`` with its items shuffled.

    Args:
        num_docs: documents (people).
        num_queries: queries.
        pattern: ``"dense"``, ``"random"``, ``"cycle"`` or ``"disjoint"``.
        k: relevant documents per query.
        items_per_doc: items per document at least (more if it answers more queries).
        key: PRNG key of every random choice (its data seed one host generator).

    Returns:
        A :class:`LimitSet`.
    """
    key = check_key(key)

    def fresh():
        return _host_rng(key)
    check_choice(pattern, "pattern", PATTERNS)
    n = check_int(num_docs, "num_docs", minimum=1)
    m = check_int(num_queries, "num_queries", minimum=1)
    items_per_doc = check_int(items_per_doc, "items_per_doc", minimum=1)
    if pattern == "random":
        n, k = _check_nk(n, k, name_n="num_docs")
        rel = _random_pattern(n, m, k, fresh())
    else:
        rel = qrel_pattern(pattern, n, m, k=k)
    rng = fresh()
    items = _items()
    fillers_needed = items_per_doc
    if m + fillers_needed > len(items):
        raise ValueError(f"num_queries={m} needs {m} query items plus {fillers_needed} fillers, only "
                         f"{len(items)} items exist: lower num_queries or items_per_doc")
    order = rng.permutation(len(items))
    query_items = [items[i] for i in order[:m]]
    fillers = [items[i] for i in order[m:]]
    names = _names(n, rng)
    liked: list[list[str]] = [[] for _ in range(n)]
    for qi, row in enumerate(rel.tolist()):
        for doc in row:
            liked[doc].append(query_items[qi])
    corpus = []
    for j in range(n):
        extra = max(0, items_per_doc - len(liked[j]))
        mine = liked[j] + [fillers[i] for i in rng.choice(len(fillers), size=extra, replace=False)]
        mine = [mine[i] for i in rng.permutation(len(mine))]
        listed = mine[0] if len(mine) == 1 else ", ".join(mine[:-1]) + " and " + mine[-1]
        corpus.append({"_id": names[j], "title": "", "text": f"{names[j]} likes {listed}."})
    queries = [{"_id": f"query_{i}", "text": f"Who likes {query_items[i]}?"} for i in range(m)]
    qrels = [(f"query_{i}", names[doc]) for i, row in enumerate(rel.tolist()) for doc in row]
    return LimitSet(corpus=corpus, queries=queries, qrels=qrels, rel=rel)


def qrels_index(qrels: Sequence[tuple[str, str]], query_ids: Sequence[str],
                doc_ids: Sequence[str]) -> np.ndarray:
    """``(query_id, doc_id)`` pairs as an int index list ``[m, r_max]`` padded with -1.

    Raises:
        ValueError: a pair names an unknown query or document.
    """
    qi = {q: i for i, q in enumerate(query_ids)}
    di = {d: j for j, d in enumerate(doc_ids)}
    lists: list[list[int]] = [[] for _ in query_ids]
    for q, d in qrels:
        if q not in qi or d not in di:
            raise ValueError(f"qrel ({q!r}, {d!r}) names an unknown {'query' if q not in qi else 'document'}")
        lists[qi[q]].append(di[d])
    width = max((len(x) for x in lists), default=0)
    out = np.full((len(lists), max(width, 1)), -1, np.int32)
    for i, x in enumerate(lists):
        out[i, : len(x)] = x
    return out


def limit_qrels(name: str = "limit-small") -> tuple[np.ndarray, list[str], list[str]]:
    """LIMIT's qrels as an index list (documents in order of first appearance in the qrels).

    Returns:
        ``(rel [1000, 2], query_ids, doc_ids)``; ``doc_ids`` are the 46 relevant documents.
    """
    from embtheory.data import load_limit

    data = load_limit(name)
    query_ids = [q["_id"] for q in data.queries]
    doc_ids = list(dict.fromkeys(d for _, d in data.qrels))
    return qrels_index(data.qrels, query_ids, doc_ids), query_ids, doc_ids



class _QrelGraphStats(NamedTuple):
    density: float
    mean_strength: float
    mean_degree: float
    num_queries: int
    num_docs_used: int


class QrelGraphStats(_QrelGraphStats):
    """Query-graph statistics (:func:`qrel_graph_stats`).

    Attributes:
        density: edges / (m (m - 1)) over ordered pairs, i.e. edges / C(m, 2) counted once.
        mean_strength: mean weighted degree (Jaccard weights).
        mean_degree: mean degree.
        num_queries: m; num_docs_used: documents that some query lists.
    """

    __slots__ = ()


def qrel_graph_stats(rel, *, chunk_size: int = 4096) -> QrelGraphStats:
    """Query-graph statistics of an index list (``-1`` = padding).

    Two queries are adjacent when they share a relevant document; the edge weight is the Jaccard
    similarity of their relevant sets.  Streamed over query chunks (``chunk_size x n`` at a
    time).

    Returns:
        A :class:`QrelGraphStats`.
    """
    import scipy.sparse as sp

    chunk = check_int(chunk_size, "chunk_size", minimum=1)
    rel = np.asarray(rel)
    if rel.ndim != 2 or not np.issubdtype(rel.dtype, np.integer):
        raise ValueError(f"rel must be an int index list [queries, k], got shape {rel.shape}")
    m = rel.shape[0]
    if m < 2:
        raise ValueError(f"the query graph needs at least 2 queries, got {m}")
    valid = rel >= 0
    if not valid.any():
        raise ValueError("rel lists no document at all (every entry is -1 padding)")
    n = int(rel.max()) + 1
    rows = np.repeat(np.arange(m), rel.shape[1])[valid.ravel()]
    a = sp.csr_matrix((np.ones(rows.size), (rows, rel.ravel()[valid.ravel()])), shape=(m, n))
    a.sum_duplicates()
    a.data[:] = 1.0
    size = np.asarray(a.sum(axis=1)).ravel()
    edges, strength, at = 0, np.zeros(m), a.T.tocsc()
    for s in range(0, m, chunk):
        inter = (a[s:s + chunk] @ at).tocoo()
        i, j, v = inter.row + s, inter.col, inter.data
        off = i != j
        i, j, v = i[off], j[off], v[off]
        edges += i.size
        np.add.at(strength, i, v / (size[i] + size[j] - v))
    return QrelGraphStats(density=edges / (m * (m - 1)), mean_strength=float(strength.mean()),
                          mean_degree=edges / m, num_queries=m, num_docs_used=int(np.unique(rel[valid]).size))


class _RecallAtK(NamedTuple):
    ks: tuple
    recall: tuple
    num_queries: int


class RecallAtK(_RecallAtK):
    """Recall at each cut-off (:func:`recall_at_k`).

    Attributes:
        ks: the cut-offs; recall: the recall at each, in the same order;
        num_queries: the queries that have a relevant document (the others are skipped).

    :meth:`as_dict` gives the ``{k: recall}`` mapping.
    """

    __slots__ = ()

    def as_dict(self) -> dict:
        return dict(zip(self.ks, self.recall))



def recall_at_k(query_emb, doc_emb, qrels, ks: Sequence[int] = (2, 10, 20), *, similarity: str = "cosine",
                chunk_size: int | None = 1024) -> RecallAtK:
    """Recall@k of any query/document embeddings: mean over queries of ``|relevant in top k| / |relevant|``.

    Args:
        query_emb: ``[m, dim]`` query embeddings.
        doc_emb: ``[n, dim]`` document embeddings.
        qrels: ``[m, r]`` int index list into the documents (``-1`` = padding), or a list of
            per-query lists of document indices.
        ks: cut-offs, each ``<= n``.
        similarity: ``"cosine"`` (rows normalised first) or ``"dot"``.
        chunk_size: queries per chunk of the on-device top-k (None: all at once).

    Returns:
        A :class:`RecallAtK` (queries with no relevant document are skipped; qrels with no
        relevant document at all are refused rather than giving NaN).
    """
    check_choice(similarity, "similarity", ("cosine", "dot"))
    q = as_matrix(query_emb, "query_emb", nonzero_rows=similarity == "cosine")
    d = as_matrix(doc_emb, "doc_emb", cols=q.shape[1], nonzero_rows=similarity == "cosine")
    if not isinstance(qrels, np.ndarray) and qrels is not None and len(qrels) and not np.isscalar(qrels[0]):
        width = max(len(r) for r in qrels)
        arr = np.full((len(qrels), max(width, 1)), -1.0)
        for i, r in enumerate(qrels):
            arr[i, : len(r)] = np.asarray(r, dtype=float)  # checked as indices below
        qrels = arr
    n = d.shape[0]
    rel = check_index_array(qrels, "qrels", n=n, ndim=2, unique_rows=True, allow=(-1,))
    if rel.shape[0] != q.shape[0]:
        raise ValueError(f"qrels must be an index list [queries={q.shape[0]}, r], got shape {rel.shape}")
    if not np.any(rel >= 0):
        raise ValueError("qrels has no relevant document at all (every entry is -1 padding): recall is "
                         "undefined; pass the relevant documents of at least one query")
    ks = [check_int(k, "ks entry", minimum=1) for k in ks]
    if max(ks) > n:
        raise ValueError(f"every k in ks must be <= the number of documents {n}, got max k={max(ks)}")
    if similarity == "cosine":
        q = q / jnp.linalg.norm(q, axis=1, keepdims=True)
        d = d / jnp.linalg.norm(d, axis=1, keepdims=True)
    m = q.shape[0]
    c = m if chunk_size is None else max(1, min(check_int(chunk_size, "chunk_size", minimum=1), m))
    m_pad = -(-m // c) * c
    valid = rel >= 0
    relp = np.zeros((m_pad, rel.shape[1]), np.int32)
    relp[:m] = np.where(valid, rel, 0)
    validp = np.zeros((m_pad, rel.shape[1]), bool)
    validp[:m] = valid
    qp = jnp.concatenate([q, jnp.ones((m_pad - m, q.shape[1]), q.dtype)], axis=0)
    counts = valid.sum(axis=1)
    keep = counts > 0
    out = []
    for k in ks:
        hits = np.asarray(_hits(qp, d, jnp.asarray(relp), jnp.asarray(validp), k, c))[:m]
        out.append(float(np.mean(hits[keep] / counts[keep])))
    return RecallAtK(ks=tuple(ks), recall=tuple(out), num_queries=int(keep.sum()))


@jax.jit(static_argnums=(4, 5))
def _hits(q, d, rel, rel_valid, k, chunk):
    return _topk_hits(q, d, rel, k=k, rel_valid=rel_valid, chunk_size=chunk)

"""LIMIT-small as texts: the queries, the documents in relevance order, and the relevance."""

from __future__ import annotations


def limit_small_texts():
    from embtheory.data import load_limit

    data = load_limit("limit-small")
    rel, _, doc_ids = data.relevance()
    text = {d["_id"]: d["text"] for d in data.corpus}
    return [q["text"] for q in data.queries], [text[d] for d in doc_ids], rel

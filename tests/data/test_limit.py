"""The LIMIT loader on the real files of ../shared/data, against a naive
reader and the dataset's published construction."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest

from embtheory.data import LimitData, Relevance, load_limit

pytestmark = pytest.mark.data


@pytest.fixture(autouse=True)
def _never_download(monkeypatch):
    """These tests read ../shared/data only: a missing file must fail, not reach the internet."""
    monkeypatch.setenv("EMBTHEORY_OFFLINE", "1")
    monkeypatch.delenv("EMBTHEORY_DATA_URL", raising=False)


def _jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["limit-small", "limit"])
def test_limit_matches_a_naive_reader(name, shared_data):
    data = load_limit(name)
    assert isinstance(data, LimitData)
    folder = shared_data / name
    assert data.queries == _jsonl(folder / "queries.jsonl")
    assert data.qrels == [(r["query-id"], r["corpus-id"]) for r in _jsonl(folder / "qrels.jsonl")]
    if name == "limit-small":
        assert data.corpus == _jsonl(folder / "corpus.jsonl")
    else:
        assert data.corpus == []  # the 50k-document corpus is not available


@pytest.mark.parametrize("name", ["limit-small", "limit"])
def test_limit_qrels_are_the_first_1000_lexicographic_pairs(name):
    """Weller et al. 2025: 1,000 queries, 2 relevant documents each, the first 1,000 of C(46, 2) pairs."""
    data = load_limit(name)
    assert (len(data.queries), len(data.qrels)) == (1000, 2000)
    rel, query_ids, doc_ids = relevance = data.relevance()
    assert isinstance(relevance, Relevance) and relevance.rel is rel
    assert rel.shape == (1000, 46) and rel.dtype == np.bool_
    assert query_ids == [q["_id"] for q in data.queries] and len(set(doc_ids)) == 46
    assert rel.sum(axis=1).tolist() == [2] * 1000
    pairs = [tuple(np.flatnonzero(row).tolist()) for row in rel]
    assert pairs == list(itertools.combinations(range(46), 2))[:1000]
    # documents number by first appearance: the first qrel pair of query i is (its first, its second)
    first_seen = {d: j for j, d in enumerate(doc_ids)}
    assert first_seen[data.qrels[0][1]] == 0 and first_seen[data.qrels[1][1]] == 1


def test_limit_small_documents_are_the_people_who_like_each_item():
    data = load_limit("limit-small")
    assert len(data.corpus) == 46
    assert all(d["title"] == "" for d in data.corpus)
    words = [len(d["text"].split()) for d in data.corpus]
    assert (min(words), max(words)) == (63, 84)  # REFERENCES: 63-84 words per document
    relevant: dict[str, set[str]] = {}
    for q, d in data.qrels:
        relevant.setdefault(q, set()).add(d)
    for doc in data.corpus:
        assert doc["text"].startswith(doc["_id"] + " likes ")
    for q in data.queries:
        m = re.fullmatch(r"Who likes (.+)\?", q["text"])
        assert m, q["text"]
        item = re.escape(m.group(1))
        listing = re.compile(rf"(?:likes |, |and ){item}(?:,| and|\.$)")
        assert {d["_id"] for d in data.corpus if listing.search(d["text"])} == relevant[q["_id"]]

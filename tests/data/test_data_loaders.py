"""The loaders on the real files of ../shared/data, against facts published about each dataset and
against naive readers written here."""

from __future__ import annotations

import itertools
import json
import re
import struct
import zlib

import numpy as np
import pytest

from embtheory.data import LimitData, MnistData, Relevance, TextData, load_limit, load_mnist, load_text

pytestmark = pytest.mark.data


@pytest.fixture(autouse=True)
def _never_download(monkeypatch):
    """These tests read ../shared/data only: a missing file must fail, not reach the internet."""
    monkeypatch.setenv("EMBTHEORY_OFFLINE", "1")
    monkeypatch.delenv("EMBTHEORY_DATA_URL", raising=False)


# --- LIMIT ----------------------------------------------------------------------------------------

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


# --- MNIST ----------------------------------------------------------------------------------------

def _naive_idx(path):
    raw = zlib.decompress(path.read_bytes(), wbits=31)  # gzip container
    magic = struct.unpack(">I", raw[:4])[0]
    ndim = magic & 0xFF
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return magic, shape, raw[4 + 4 * ndim:]


def test_mnist_shapes_counts_and_known_values(shared_data):
    images, labels = data = load_mnist()
    assert isinstance(data, MnistData) and data.images is images and data.labels is labels
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.int64
    counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(labels, minlength=10).tolist() == counts
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the test set's well-known first digits
    # the test set's pixel mean and std in [0, 1] (0.1325, 0.3105; the usual normalisation constants)
    scaled = images.astype(np.float64) / 255.0
    assert abs(scaled.mean() - 0.1325) < 5e-4 and abs(scaled.std() - 0.3105) < 5e-4

    magic, shape, body = _naive_idx(shared_data / "mnist" / "t10k-images-idx3-ubyte.gz")
    assert (magic, shape) == (2051, (10000, 28, 28))
    assert images.tobytes() == body
    magic, shape, body = _naive_idx(shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz")
    assert (magic, shape) == (2049, (10000,))
    assert labels.tolist() == list(body)


# --- sentence corpora -----------------------------------------------------------------------------

# Kim (2014), Table 1: dataset sizes; SST-2 and TREC as train/dev/test.
KIM_SIZES = {"mr": 10662, "sst2": 9613, "subj": 10000, "trec": 5952, "cr": 3775, "mpqa": 10606}
SPLIT_SIZES = {("sst2", "train"): 6920, ("sst2", "dev"): 872, ("sst2", "test"): 1821,
               ("trec", "train"): 5452, ("trec", "test"): 500}
N_CLASSES = {"mr": 2, "sst2": 2, "subj": 2, "trec": 6, "cr": 2, "mpqa": 2}


@pytest.mark.parametrize("name", sorted(KIM_SIZES))
def test_text_sizes_match_kim_2014(name):
    sentences, labels = load_text(name)
    assert len(sentences) == KIM_SIZES[name] and labels.shape == (KIM_SIZES[name],)
    assert labels.dtype == np.int64
    assert sorted(set(labels.tolist())) == list(range(N_CLASSES[name]))
    assert all(isinstance(s, str) and s == s.strip() for s in sentences)
    assert not any("\ufffd" in s for s in sentences)  # every byte decoded


def test_text_splits_and_their_concatenation():
    for (name, split), n in SPLIT_SIZES.items():
        s, y = load_text(name, split)
        assert len(s) == n and y.shape == (n,)
    all_s, all_y = full = load_text("sst2")
    assert isinstance(full, TextData) and full.sentences is all_s and full.labels is all_y
    parts = [load_text("sst2", sp) for sp in ("train", "dev", "test")]
    assert all_s == [s for p in parts for s in p[0]]
    np.testing.assert_array_equal(all_y, np.concatenate([p[1] for p in parts]))


def test_text_balanced_corpora_have_their_published_class_counts():
    assert np.bincount(load_text("mr")[1]).tolist() == [5331, 5331]
    assert np.bincount(load_text("subj")[1]).tolist() == [5000, 5000]


@pytest.mark.parametrize("name,file", [("sst2", "stsa.binary.test"), ("trec", "TREC.test.all"),
                                       ("cr", "custrev.all")])
def test_text_matches_a_naive_reader_on_utf8_files(name, file, shared_data):
    """For the pure-UTF-8 files, a two-line reader gives the same examples."""
    lines = [ln for ln in (shared_data / "text" / file).read_text(encoding="utf-8").split("\n") if ln.strip()]
    split = "test" if name in ("sst2", "trec") else "all"
    sentences, labels = load_text(name, split)
    assert labels.tolist() == [int(ln.split(" ", 1)[0]) for ln in lines]
    assert sentences == [ln.split(" ", 1)[1].strip() if " " in ln else "" for ln in lines]


def test_text_windows_1252_lines_decode_to_the_right_characters():
    mr, _ = load_text("mr")
    assert "the action clichés just pile up ." in mr
    subj, _ = load_text("subj")
    assert any("adrien brody – in the title role –" in s for s in subj)  # 0x96 is an en dash

"""The sentence-classification loaders on the real files of ../shared/data, against the sizes published
by Kim (2014) and a naive reader written here."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.data import TextData, load_text

pytestmark = pytest.mark.data


@pytest.fixture(autouse=True)
def _never_download(monkeypatch):
    """These tests read ../shared/data only: a missing file must fail, not reach the internet."""
    monkeypatch.setenv("EMBTHEORY_OFFLINE", "1")
    monkeypatch.delenv("EMBTHEORY_DATA_URL", raising=False)


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

"""The Flax all-MiniLM-L6-v2 against sentence-transformers' own output (a committed fixture).

The fixture (tests/fixtures/minilm_parity.npz) was written once by
tests/fixtures/minilm_make_parity.py with torch 2.13.0 (CPU) and sentence-transformers 6.2.0 on
the sentences of minilm_parity_sentences.json (empty, unicode, punctuation, two longer than 256
word pieces).  These tests need no torch; they skip only when the model files are absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embtheory.encoders import SentenceEncoder, find_model_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def minilm():
    try:
        find_model_dir(None)
    except FileNotFoundError as e:
        pytest.skip(f"all-MiniLM-L6-v2 files absent: {e}")
    return SentenceEncoder.from_pretrained()


@pytest.fixture(scope="module")
def parity():
    sentences = json.loads((FIXTURES / "minilm_parity_sentences.json").read_text(encoding="utf-8"))
    data = np.load(FIXTURES / "minilm_parity.npz")
    return sentences, data["embeddings"], data["n_tokens"]


def test_tokenisation_and_truncation_match(minilm, parity):
    sentences, _, n_tokens = parity
    assert minilm.max_seq_length == 256 and minilm.dim == 384
    lengths = np.array([len(ids) for ids in minilm.tokenize(sentences)])
    np.testing.assert_array_equal(lengths, n_tokens)
    assert lengths.max() == 256 and (lengths == 256).sum() >= 2  # the long sentences were truncated


@pytest.mark.numerics
def test_embeddings_match_sentence_transformers(minilm, parity):
    sentences, expected, _ = parity
    ours = minilm.encode(sentences, batch_size=8)
    assert ours.shape == expected.shape and ours.dtype == np.float32
    cos = np.sum(ours * expected, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(expected, axis=1))
    assert cos.min() >= 0.99999, f"worst sentence {int(cos.argmin())}: cosine {cos.min():.7f}"
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    # a different batching (other buckets, other padding) gives the same rows
    again = minilm.encode(sentences[::-1], batch_size=13)[::-1]
    np.testing.assert_allclose(again, ours, atol=2e-6)

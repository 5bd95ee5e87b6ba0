"""The Flax BERT against a naive NumPy BERT on a tiny random model, and its configuration checks."""

from __future__ import annotations

import json

import jax.numpy as jnp
import numpy as np
import pytest
from tiny_bert import TINY, naive_bert, naive_sentence, tiny_tensors

from embtheory.encoders import BertConfig, BertEncoder, convert_checkpoint, pool

CFG = BertConfig(vocab_size=TINY["vocab_size"], hidden_size=8, num_layers=2, num_heads=2,
                 intermediate_size=12, max_position_embeddings=16)


@pytest.mark.numerics
def test_forward_matches_naive_bert_with_padding():
    t = tiny_tensors(seed=1)
    params = convert_checkpoint(t, CFG)
    seqs = [[2, 5, 6, 7, 10, 3], [2, 11, 3], [2, 14, 15, 11, 12, 8, 5, 9, 3]]
    length = 12
    ids = np.zeros((3, length), np.int32)
    mask = np.zeros((3, length), np.int32)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        mask[i, : len(s)] = 1
    hidden = np.asarray(BertEncoder(CFG).apply(params, jnp.asarray(ids), jnp.asarray(mask)))
    for i, s in enumerate(seqs):
        # float32 network vs float64 reference through 2 layers of LayerNorm: 1e-4 absolute
        np.testing.assert_allclose(hidden[i, : len(s)], naive_bert(t, s), atol=1e-4, rtol=1e-4)
    pooled = np.asarray(pool(jnp.asarray(hidden), jnp.asarray(mask)))
    for i, s in enumerate(seqs):
        np.testing.assert_allclose(pooled[i], naive_sentence(t, s), atol=1e-5)


@pytest.mark.numerics
def test_padding_length_does_not_change_the_embedding():
    params = convert_checkpoint(tiny_tensors(seed=2), CFG)
    seq = [2, 5, 6, 7, 3]
    out = []
    for length in (5, 8, 16):
        ids = np.zeros((1, length), np.int32)
        ids[0, :5] = seq
        ids[0, 5:] = 11  # garbage ids under the mask must not matter either
        mask = (np.arange(length) < 5).astype(np.int32)[None]
        hidden = BertEncoder(CFG).apply(params, jnp.asarray(ids), jnp.asarray(mask))
        out.append(np.asarray(pool(hidden, jnp.asarray(mask))))
    np.testing.assert_allclose(out[1], out[0], atol=1e-6)
    np.testing.assert_allclose(out[2], out[0], atol=1e-6)


def test_config_rejects_other_models(tmp_path):
    p = tmp_path / "config.json"
    p.write_text(json.dumps({**TINY, "model_type": "roberta"}))
    with pytest.raises(ValueError, match="BERT only"):
        BertConfig.from_json(p)
    p.write_text(json.dumps({**TINY, "hidden_act": "relu"}))
    with pytest.raises(ValueError, match="hidden_act"):
        BertConfig.from_json(p)
    with pytest.raises(ValueError, match="multiple of num_heads"):
        BertConfig(hidden_size=10, num_heads=3)



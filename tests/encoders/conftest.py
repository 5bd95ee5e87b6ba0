"""Fixtures of the encoder tests: a tiny random BERT written as a model folder."""

from __future__ import annotations

import json

import pytest
from tiny_bert import TINY, VOCAB, tiny_tensors


@pytest.fixture
def tiny_model_dir(tmp_path):
    """A model folder with config.json, model.safetensors, vocab.txt (no tokenizer.json)."""
    from safetensors.numpy import save_file

    save_file(tiny_tensors(), str(tmp_path / "model.safetensors"))
    (tmp_path / "config.json").write_text(json.dumps(TINY))
    (tmp_path / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 8}))
    return tmp_path

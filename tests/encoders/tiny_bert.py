"""A tiny random BERT under Hugging Face names, and a naive NumPy forward pass to check against."""

from __future__ import annotations

import numpy as np
from scipy.special import erf

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", ".",
         "dog", "ran", "##s", "a", "big"]
TINY = dict(vocab_size=len(VOCAB), hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=12, max_position_embeddings=16, type_vocab_size=2,
            layer_norm_eps=1e-12, hidden_act="gelu", model_type="bert")


def tiny_tensors(seed: int = 0, prefix: str = "") -> dict[str, np.ndarray]:
    """Random float32 tensors under Hugging Face BERT names (linear weights are [out, in])."""
    rng = np.random.default_rng(seed)
    h, f = TINY["hidden_size"], TINY["intermediate_size"]

    def r(*shape, scale=0.5):
        return (scale * rng.standard_normal(shape)).astype(np.float32)

    t = {
        "embeddings.word_embeddings.weight": r(TINY["vocab_size"], h),
        "embeddings.position_embeddings.weight": r(TINY["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": r(2, h),
        "embeddings.LayerNorm.weight": 1 + r(h, scale=0.1),
        "embeddings.LayerNorm.bias": r(h, scale=0.1),
        "embeddings.position_ids": np.arange(TINY["max_position_embeddings"])[None].astype(np.int64),
    }
    for i in range(TINY["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            t[p + f"attention.self.{name}.weight"] = r(h, h)
            t[p + f"attention.self.{name}.bias"] = r(h, scale=0.1)
        t[p + "attention.output.dense.weight"] = r(h, h)
        t[p + "attention.output.dense.bias"] = r(h, scale=0.1)
        t[p + "attention.output.LayerNorm.weight"] = 1 + r(h, scale=0.1)
        t[p + "attention.output.LayerNorm.bias"] = r(h, scale=0.1)
        t[p + "intermediate.dense.weight"] = r(f, h)
        t[p + "intermediate.dense.bias"] = r(f, scale=0.1)
        t[p + "output.dense.weight"] = r(h, f)
        t[p + "output.dense.bias"] = r(h, scale=0.1)
        t[p + "output.LayerNorm.weight"] = 1 + r(h, scale=0.1)
        t[p + "output.LayerNorm.bias"] = r(h, scale=0.1)
    return {prefix + k: v for k, v in t.items()}


def naive_bert(t: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """One unpadded sentence through BERT in float64, head by head: [L, hidden]."""
    t = {k: v.astype(np.float64) for k, v in t.items()}
    h, nh = TINY["hidden_size"], TINY["num_attention_heads"]
    dh = h // nh

    def ln(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * w + b

    def lin(x, name):
        return x @ t[name + ".weight"].T + t[name + ".bias"]

    n = len(ids)
    x = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n]
    x = x + t["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
    for i in range(TINY["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(x, p + f"attention.self.{s}") for s in ("query", "key", "value"))
        ctx = np.zeros_like(x)
        for head in range(nh):
            sl = slice(head * dh, (head + 1) * dh)
            s = q[:, sl] @ k[:, sl].T / np.sqrt(dh)
            w = np.exp(s - s.max(1, keepdims=True))
            w /= w.sum(1, keepdims=True)
            ctx[:, sl] = w @ v[:, sl]
        a = ln(lin(ctx, p + "attention.output.dense") + x, t[p + "attention.output.LayerNorm.weight"],
               t[p + "attention.output.LayerNorm.bias"])
        z = lin(a, p + "intermediate.dense")
        z = 0.5 * z * (1 + erf(z / np.sqrt(2)))
        x = ln(lin(z, p + "output.dense") + a, t[p + "output.LayerNorm.weight"],
               t[p + "output.LayerNorm.bias"])
    return x


def naive_sentence(t, ids) -> np.ndarray:
    """Mean over the sentence's tokens, then unit length."""
    e = naive_bert(t, ids).mean(0)
    return e / np.linalg.norm(e)

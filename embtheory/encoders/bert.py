"""A BERT encoder in Flax (linen), laid out so that Hugging Face weights map onto it by name.

The network, for token ids ``t`` of shape ``[B, L]`` and a 0/1 attention mask ``m``:

.. math::

    h^{(0)} = \\mathrm{LN}(E_{word}[t] + E_{pos}[0..L-1] + E_{type}[0]),

then ``num_layers`` post-norm blocks

.. math::

    a = \\mathrm{LN}\\big(h + W_o \\,\\mathrm{MHA}(h; m)\\big),\\qquad
    h' = \\mathrm{LN}\\big(a + W_2\\, \\mathrm{GELU}(W_1 a)\\big),

with exact (erf) GELU and multi-head attention whose keys at padding positions (``m = 0``)
get the most negative finite score, so their softmax weight is exactly zero.  LayerNorm uses
the two-pass variance and ``eps = 1e-12`` (BERT's).  The module returns the last hidden
states ``[B, L, hidden]``; pooling lives in :mod:`embtheory.encoders.pooling`.

Parameter names follow the Hugging Face ``BertModel`` checkpoint keys with ``encoder.layer.i``
written ``layer_i``, ``weight`` of a linear layer written ``kernel`` (transposed) and LayerNorm's
``weight`` written ``scale``; :mod:`embtheory.encoders.weights` does that conversion.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = ["BertConfig", "BertEncoder"]


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """The shape of a BERT encoder (the fields of a Hugging Face ``config.json`` we need).

    Attributes:
        vocab_size: number of word-piece ids.
        hidden_size: model width ``H``.
        num_layers: number of transformer blocks.
        num_heads: attention heads; must divide ``hidden_size``.
        intermediate_size: width of the feed-forward layer.
        max_position_embeddings: the longest sequence the position table covers.
        type_vocab_size: number of token-type (segment) ids.
        layer_norm_eps: LayerNorm's epsilon.
    """

    vocab_size: int = 30522
    hidden_size: int = 384
    num_layers: int = 6
    num_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12

    def __post_init__(self):
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"hidden_size ({self.hidden_size}) must be a multiple of num_heads ({self.num_heads})"
            )

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> BertConfig:
        """Reads a Hugging Face ``config.json`` of a BERT model (``model_type`` "bert")."""
        path = Path(path)
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise ValueError(f"cannot read the model config {path}: {e}") from None
        model_type = raw.get("model_type", "bert")
        if model_type != "bert":
            raise ValueError(
                f"{path} describes a {model_type!r} model; this encoder implements BERT only "
                "(e.g. sentence-transformers/all-MiniLM-L6-v2)"
            )
        act = raw.get("hidden_act", "gelu")
        if act != "gelu":
            raise ValueError(f"{path}: hidden_act {act!r} is not supported (only exact 'gelu')")
        pos = raw.get("position_embedding_type", "absolute")
        if pos != "absolute":
            raise ValueError(f"{path}: position_embedding_type {pos!r} is not supported (only 'absolute')")
        return cls(
            vocab_size=int(raw["vocab_size"]),
            hidden_size=int(raw["hidden_size"]),
            num_layers=int(raw["num_hidden_layers"]),
            num_heads=int(raw["num_attention_heads"]),
            intermediate_size=int(raw["intermediate_size"]),
            max_position_embeddings=int(raw["max_position_embeddings"]),
            type_vocab_size=int(raw.get("type_vocab_size", 2)),
            layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
        )


def _layer_norm(config: BertConfig, dtype, name: str) -> nn.LayerNorm:
    return nn.LayerNorm(epsilon=config.layer_norm_eps, dtype=dtype, use_fast_variance=False, name=name)


class _Embeddings(nn.Module):
    config: BertConfig
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, ids: jax.Array, type_ids: jax.Array) -> jax.Array:
        c = self.config
        word = nn.Embed(c.vocab_size, c.hidden_size, dtype=self.dtype, name="word_embeddings")(ids)
        positions = jnp.arange(ids.shape[1])[None, :]
        pos = nn.Embed(c.max_position_embeddings, c.hidden_size, dtype=self.dtype,
                       name="position_embeddings")(positions)
        typ = nn.Embed(c.type_vocab_size, c.hidden_size, dtype=self.dtype,
                       name="token_type_embeddings")(type_ids)
        return _layer_norm(c, self.dtype, "LayerNorm")(word + pos + typ)


class _Block(nn.Module):
    """The fields every part of a layer is built from (the encoder's, passed down)."""

    config: BertConfig
    dtype: jnp.dtype = jnp.float32
    precision: jax.lax.Precision | str | None = None


class _SelfAttention(_Block):
    @nn.compact
    def __call__(self, x: jax.Array, mask: jax.Array) -> jax.Array:
        c = self.config
        b, l, _ = x.shape
        dh = c.hidden_size // c.num_heads

        def proj(name):
            y = nn.Dense(c.hidden_size, dtype=self.dtype, precision=self.precision, name=name)(x)
            return y.reshape(b, l, c.num_heads, dh)

        q, k, v = proj("query"), proj("key"), proj("value")
        scores = jnp.einsum("bqhd,bkhd->bhqk", q, k, precision=self.precision) / math.sqrt(dh)
        keep = mask[:, None, None, :].astype(bool)  # [B, 1, 1, L]: which keys are real tokens
        scores = jnp.where(keep, scores, jnp.finfo(scores.dtype).min)
        # softmax in float32 whatever the compute dtype: half-precision exponentials lose the tail
        probs = jax.nn.softmax(scores.astype(jnp.float32), axis=-1).astype(v.dtype)
        ctx = jnp.einsum("bhqk,bkhd->bqhd", probs, v, precision=self.precision)
        return ctx.reshape(b, l, c.hidden_size)


class _Attention(_Block):
    @nn.compact
    def __call__(self, x: jax.Array, mask: jax.Array) -> jax.Array:
        c = self.config
        ctx = _SelfAttention(c, self.dtype, self.precision, name="self")(x, mask)
        out = nn.Dense(c.hidden_size, dtype=self.dtype, precision=self.precision, name="dense")(ctx)
        return _layer_norm(c, self.dtype, "LayerNorm")(out + x)


class _Layer(_Block):
    @nn.compact
    def __call__(self, x: jax.Array, mask: jax.Array) -> jax.Array:
        c = self.config
        a = _Attention(c, self.dtype, self.precision, name="attention")(x, mask)
        hidden = nn.Dense(c.intermediate_size, dtype=self.dtype, precision=self.precision,
                          name="intermediate")(a)
        hidden = jax.nn.gelu(hidden, approximate=False)
        out = nn.Dense(c.hidden_size, dtype=self.dtype, precision=self.precision, name="output")(hidden)
        return _layer_norm(c, self.dtype, "output_LayerNorm")(out + a)


class BertEncoder(nn.Module):
    """The BERT encoder: token ids -> last hidden states.

    Attributes:
        config: the model's shape.
        dtype: the compute dtype (``float32``; ``bfloat16`` halves memory traffic on a GPU/TPU).
            Parameters stay float32; softmax and LayerNorm statistics are computed in float32.
        precision: matmul precision passed to every dot (``None`` is XLA's default, which on
            recent NVIDIA GPUs may use TF32 for float32; pass ``"highest"`` to rule that out).
    """

    config: BertConfig
    dtype: jnp.dtype = jnp.float32
    precision: jax.lax.Precision | str | None = None

    @nn.compact
    def __call__(self, input_ids: jax.Array, attention_mask: jax.Array,
                 token_type_ids: jax.Array | None = None) -> jax.Array:
        """Runs the encoder.

        Args:
            input_ids: int ``[B, L]`` word-piece ids, ``L <= max_position_embeddings``.
            attention_mask: ``[B, L]``, 1 for real tokens and 0 for padding.
            token_type_ids: int ``[B, L]`` segment ids (default all 0).

        Returns:
            ``[B, L, hidden_size]`` last hidden states (``dtype``).
        """
        if token_type_ids is None:
            token_type_ids = jnp.zeros_like(input_ids)
        x = _Embeddings(self.config, self.dtype, name="embeddings")(input_ids, token_type_ids)
        for i in range(self.config.num_layers):
            x = _Layer(self.config, self.dtype, self.precision, name=f"layer_{i}")(x, attention_mask)
        return x

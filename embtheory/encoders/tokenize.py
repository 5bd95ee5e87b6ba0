"""Word-piece tokenisation with the ``tokenizers`` library, and length buckets for batching.

The tokenizer is read from the model folder's ``tokenizer.json`` (or built from ``vocab.txt``);
padding is switched off (batches are padded here, to a bucket length) and truncation is set to
the model's ``max_seq_length`` (256 for all-MiniLM-L6-v2, from ``sentence_bert_config.json``),
counting the ``[CLS]`` and ``[SEP]`` tokens, as sentence-transformers does.

Batches are padded to a *bucket* length, not to their own longest sentence, so that ``jit``
compiles one program per (batch size, bucket) and the number of compilations is bounded by the
number of buckets (:func:`length_buckets`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embtheory.core.validation import INT32_MAX, check_int, check_memory

__all__ = ["bucket_of", "length_buckets", "load_tokenizer", "pad_batch", "read_max_seq_length"]


def read_max_seq_length(folder: str | os.PathLike, max_position_embeddings: int) -> int:
    """``max_seq_length`` of ``sentence_bert_config.json``, else the position table's length."""
    path = Path(folder) / "sentence_bert_config.json"
    if path.exists():
        value = json.loads(path.read_text()).get("max_seq_length")
        if value is not None:
            return min(int(value), max_position_embeddings)
    return max_position_embeddings


def load_tokenizer(folder: str | os.PathLike, max_seq_length: int):
    """A ``tokenizers.Tokenizer`` without padding, truncating to ``max_seq_length`` tokens.

    Args:
        folder: the model folder (``tokenizer.json``, else ``vocab.txt`` + ``tokenizer_config.json``).
        max_seq_length: the longest token sequence, special tokens included.
    """
    from tokenizers import Tokenizer  # the `text` extra

    folder = Path(folder)
    max_seq_length = check_int(max_seq_length, "max_seq_length", minimum=3)
    if (folder / "tokenizer.json").exists():
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    else:
        from tokenizers.implementations import BertWordPieceTokenizer

        cfg_path = folder / "tokenizer_config.json"
        cfg = json.loads(cfg_path.read_text()) if cfg_path.exists() else {}
        tok = BertWordPieceTokenizer(str(folder / "vocab.txt"),
                                     lowercase=bool(cfg.get("do_lower_case", True)))._tokenizer
    tok.no_padding()
    tok.enable_truncation(max_length=max_seq_length)
    return tok


def length_buckets(max_len: int, *, min_len: int = 16, per_octave: int = 1) -> tuple[int, ...]:
    """The padded lengths a batch may take: powers of two from ``min_len`` up to ``max_len``.

    Args:
        max_len: the longest sequence (always the last bucket, power of two or not).
        min_len: the shortest bucket.
        per_octave: buckets per doubling: 1 gives 16, 32, 64, ...; 2 adds the midpoints
            (16, 24, 32, 48, 64, ...), which wastes at most a third of a batch on padding
            instead of half, for twice the compilations.

    Returns:
        Increasing bucket lengths, the last one ``max_len``.
    """
    max_len = check_int(max_len, "max_len", minimum=1)
    min_len = check_int(min_len, "min_len", minimum=1)
    per_octave = check_int(per_octave, "per_octave", minimum=1, maximum=4)
    out: set[int] = set()
    base = min_len
    while base < max_len:
        for j in range(per_octave):
            size = int(round(base * 2 ** (j / per_octave) / 8.0) * 8) if base >= 8 else base
            if size < max_len:
                out.add(max(size, 1))
        base *= 2
    out.add(max_len)
    return tuple(sorted(out))


def bucket_of(length: int, buckets: Sequence[int]) -> int:
    """The smallest bucket that holds ``length`` tokens."""
    length = check_int(length, "length", minimum=1)  # a tokenized sequence has at least one token
    if isinstance(buckets, (str, bytes)) or not len(buckets):
        raise ValueError(f"buckets must be a non-empty sequence of lengths, got {buckets!r}")
    for b in buckets:
        if length <= b:
            return int(b)
    raise ValueError(f"length={length}: a sequence of {length} tokens is longer than the largest bucket "
                     f"{buckets[-1]}: truncate it, or add a larger bucket")


def pad_batch(ids: Sequence[Sequence[int]], batch_size: int, length: int,
              pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-pads token-id lists into ``[batch_size, length]`` arrays.

    Rows beyond ``len(ids)`` (a short last batch) get a single real token, so that no row of
    the attention has every key masked; the caller drops them.

    Returns:
        ``(input_ids int32 [batch_size, length], attention_mask int32 [batch_size, length])``.
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1, maximum=INT32_MAX)
    length = check_int(length, "length", minimum=1, maximum=INT32_MAX)
    pad_id = check_int(pad_id, "pad_id", minimum=0, maximum=INT32_MAX)
    check_memory(2.0 * 4 * batch_size * length, f"pad_batch(batch_size={batch_size}, length={length})",
                 fix="lower batch_size or length")
    if len(ids) > batch_size:
        raise ValueError(f"ids holds {len(ids)} sequences, more than batch_size={batch_size}")
    longest = max((len(seq) for seq in ids), default=0)
    if longest > length:
        raise ValueError(f"ids holds a sequence of {longest} tokens, which does not fit length={length}: "
                         "truncate it or pass a larger length")
    input_ids = np.full((batch_size, length), pad_id, dtype=np.int32)
    mask = np.zeros((batch_size, length), dtype=np.int32)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    mask[len(ids):, 0] = 1
    return input_ids, mask

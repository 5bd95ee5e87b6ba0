"""Word-level text augmentations: random swap, deletion and insertion, at a chosen strength.

These are the three corpus-free operations of EDA (Wei & Zou 2019), used here to make
"synthetic" text whose distribution shift from the human text the depth rank-sum test should
detect, more clearly the stronger the augmentation.  For a sentence of ``n`` whitespace
words and strength ``alpha`` in ``(0, 1]``:

- ``"swap"``: ``max(1, round(alpha n))`` times, exchange two distinct random positions.
- ``"delete"``: drop each word independently with probability ``alpha`` (at least one word
  is kept: if all would go, one random word stays).
- ``"insert"``: ``max(1, round(alpha n))`` times, insert a word at a random position (end
  included).  EDA inserts a WordNet synonym of a word of the sentence; without a thesaurus we
  insert a word drawn uniformly from the occurrences of ``vocabulary`` (by default every word
  of the sentences given), i.e. by corpus frequency.

Randomness comes from ``key`` alone (a JAX key, turned into a NumPy generator on the host:
string surgery is host work): the same key gives the same text.  Sentences of one word are
left unchanged by ``swap``.

Example:
    >>> import jax
    >>> out = augment(["a b c d"], method="swap", strength=0.25, key=jax.random.key(0))
    >>> sorted(out[0].split()) == ["a", "b", "c", "d"]
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np

from embtheory.core.validation import check_choice, check_key, check_real

__all__ = ["AUGMENTATIONS", "augment", "key_to_rng"]

AUGMENTATIONS = ("swap", "delete", "insert")


def key_to_rng(key: jax.Array) -> np.random.Generator:
    """A NumPy generator seeded by all the bits of a JAX PRNG key (typed or raw uint32)."""
    data = jax.random.key_data(check_key(key, "key"))
    return np.random.default_rng([int(v) for v in np.asarray(data).ravel()])


def _n_ops(n_words: int, strength: float) -> int:
    return max(1, round(strength * n_words))


def _swap(words: list[str], strength: float, rng: np.random.Generator) -> list[str]:
    words = list(words)
    if len(words) < 2:
        return words
    for _ in range(_n_ops(len(words), strength)):
        i, j = rng.choice(len(words), size=2, replace=False)
        words[i], words[j] = words[j], words[i]
    return words


def _delete(words: list[str], strength: float, rng: np.random.Generator) -> list[str]:
    if not words:
        return []
    keep = rng.random(len(words)) >= strength
    if not keep.any():
        keep[rng.integers(len(words))] = True
    return [w for w, k in zip(words, keep) if k]


def _insert(words: list[str], strength: float, rng: np.random.Generator, pool: list[str]) -> list[str]:
    words = list(words)
    for _ in range(_n_ops(max(len(words), 1), strength)):
        words.insert(int(rng.integers(len(words) + 1)), pool[int(rng.integers(len(pool)))])
    return words


def augment(sentences: Sequence[str], *, method: str, strength: float, key: jax.Array,
            vocabulary: Sequence[str] | None = None) -> list[str]:
    """Augments every sentence with one word-level operation.

    Args:
        sentences: N strings (words are whitespace-separated).
        method: ``"swap"``, ``"delete"`` or ``"insert"``.
        strength: ``alpha`` in ``(0, 1]``: the fraction of words swapped / inserted, or the
            probability that a word is deleted.
        key: a JAX PRNG key (keyword-only); same key, same output.
        vocabulary: words to insert from (``"insert"`` only); default: every word occurrence
            in ``sentences``.

    Returns:
        N augmented strings, words joined by single spaces.

    Raises:
        TypeError: ``sentences`` is a lone string or holds non-strings; ``key`` is not a key.
        ValueError: unknown ``method``; ``strength`` outside ``(0, 1]``; nothing to insert.
    """
    check_choice(method, "method", AUGMENTATIONS)
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, got a single string: pass [sentence]")
    sentences = list(sentences)
    for i, s in enumerate(sentences):
        if not isinstance(s, str):
            raise TypeError(f"sentences[{i}] must be a str, got {type(s).__name__}")
    strength = check_real(strength, "strength", low=0.0, high=1.0, low_open=True)
    rng = key_to_rng(key)
    split = [s.split() for s in sentences]
    if method == "swap":
        out = [_swap(w, strength, rng) for w in split]
    elif method == "delete":
        out = [_delete(w, strength, rng) for w in split]
    else:
        if isinstance(vocabulary, (str, bytes)):
            raise TypeError("vocabulary must be a list of words, got one string: pass vocabulary.split()")
        pool = [w for s in split for w in s] if vocabulary is None else [str(v) for v in vocabulary]
        if not pool:
            raise ValueError("vocabulary is empty: pass vocabulary= words to insert, or non-empty sentences")
        out = [_insert(w, strength, rng, pool) for w in split]
    return [" ".join(w) for w in out]

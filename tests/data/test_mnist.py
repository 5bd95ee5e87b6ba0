"""The IDX reader and the MNIST loader, against a naive reader written here and the published counts."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from embtheory.data import (
    DataError,
    MnistData,
    load_mnist,
    read_idx,
)


def _write_idx(path: Path, array: np.ndarray, *, type_code: int = 0x08) -> None:
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += b"".join(struct.pack(">I", s) for s in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trips_gzip_and_plain(tmp_path):
    import gzip

    arr = np.random.default_rng(1).integers(0, 256, size=(3, 5, 7), dtype=np.uint8)
    _write_idx(tmp_path / "a.idx", arr)
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress((tmp_path / "a.idx").read_bytes()))
    for name in ("a.idx", "a.idx.gz"):
        out = read_idx(tmp_path / name, ndim=3)
        assert out.dtype == np.uint8 and out.flags.writeable
        np.testing.assert_array_equal(out, arr)


def test_read_idx_rejects_bad_files(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    _write_idx(tmp_path / "float.idx", arr, type_code=0x0D)
    with pytest.raises(DataError, match="not an unsigned-byte IDX file"):
        read_idx(tmp_path / "float.idx", ndim=2)
    _write_idx(tmp_path / "ok.idx", arr)
    with pytest.raises(DataError, match="with 3 dimensions"):
        read_idx(tmp_path / "ok.idx", ndim=3)
    (tmp_path / "short.idx").write_bytes((tmp_path / "ok.idx").read_bytes()[:-1])
    with pytest.raises(DataError, match=r"holds 11 values but its header declares shape \(3, 4\)"):
        read_idx(tmp_path / "short.idx", ndim=2)
    (tmp_path / "junk.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "junk.gz", ndim=1)


@pytest.fixture(autouse=True)
def _never_download(monkeypatch):
    """These tests read ../shared/data only: a missing file must fail, not reach the internet."""
    monkeypatch.setenv("EMBTHEORY_OFFLINE", "1")
    monkeypatch.delenv("EMBTHEORY_DATA_URL", raising=False)


def _naive_idx(path):
    raw = zlib.decompress(path.read_bytes(), wbits=31)  # gzip container
    magic = struct.unpack(">I", raw[:4])[0]
    ndim = magic & 0xFF
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return magic, shape, raw[4 + 4 * ndim:]


@pytest.mark.data
def test_mnist_shapes_counts_and_known_values(shared_data):
    images, labels = data = load_mnist()
    assert isinstance(data, MnistData) and data.images is images and data.labels is labels
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.int64
    counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(labels, minlength=10).tolist() == counts
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the test set's well-known first digits
    # the test set's pixel mean and std in [0, 1] (0.1325, 0.3105; the usual normalisation constants)
    scaled = images.astype(np.float64) / 255.0
    assert abs(scaled.mean() - 0.1325) < 5e-4 and abs(scaled.std() - 0.3105) < 5e-4

    magic, shape, body = _naive_idx(shared_data / "mnist" / "t10k-images-idx3-ubyte.gz")
    assert (magic, shape) == (2051, (10000, 28, 28))
    assert images.tobytes() == body
    magic, shape, body = _naive_idx(shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz")
    assert (magic, shape) == (2049, (10000,))
    assert labels.tolist() == list(body)

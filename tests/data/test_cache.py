"""The data cache: directory resolution, download through a local HTTP server, checksums, errors.

Downloads are served by an ``http.server`` on 127.0.0.1 (ephemeral port, in a thread) from a
mirror folder in ``tmp_path``; the internet is never used.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from embtheory.data import (
    DATASETS,
    ChecksumError,
    DataError,
    data_dir,
    fetch,
    file_path,
    load_text,
    read_idx,
    sha256_file,
)


class _Mirror:
    """A local HTTP server over a folder, recording the paths requested."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_GET(self):
                mirror.requests.append(self.path)
                super().do_GET()

        handler = functools.partial(Handler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, shared: Path, name: str) -> None:
        """Copies a dataset's files from the shared data into the mirror."""
        for f in DATASETS[name].files:
            (self.root / f.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shared / f.path, self.root / f.path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def mirror(tmp_path):
    m = _Mirror(tmp_path / "mirror")
    m.root.mkdir()
    yield m
    m.close()


@pytest.fixture(autouse=True)
def _no_env_download_settings(monkeypatch):
    monkeypatch.delenv("EMBTHEORY_DATA_URL", raising=False)
    monkeypatch.delenv("EMBTHEORY_OFFLINE", raising=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".part")


def test_data_dir_follows_env_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("EMBTHEORY_DATA", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "mine"
    monkeypatch.delenv("EMBTHEORY_DATA")
    assert data_dir() == tmp_path / "xdg" / "embtheory"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".cache" / "embtheory"


def test_sha256_file_matches_hashlib(tmp_path):
    p = tmp_path / "blob"
    payload = np.random.default_rng(0).bytes(200_000)  # several 64 KiB chunks
    p.write_bytes(payload)
    assert sha256_file(p) == hashlib.sha256(payload).hexdigest()


@pytest.mark.data
def test_registered_checksums_and_sizes_match_the_shared_data(shared_data):
    for ds in DATASETS.values():
        for f in ds.files:
            blob = (shared_data / f.path).read_bytes()
            assert len(blob) == f.size, f.path
            assert hashlib.sha256(blob).hexdigest() == f.sha256, f.path


@pytest.mark.data
def test_fetch_of_a_complete_cache_downloads_nothing(shared_data, mirror):
    paths = fetch("sst2", root=shared_data, base_url=mirror.url, progress=False)
    assert sorted(paths) == ["stsa.binary.dev", "stsa.binary.test", "stsa.binary.train"]
    assert all(p.parent == shared_data / "text" for p in paths.values())
    assert mirror.requests == []


@pytest.mark.data
def test_file_path_names_one_verified_file(shared_data):
    path = file_path("limit-small", "qrels.jsonl", root=shared_data)
    assert path == shared_data / "limit-small" / "qrels.jsonl"
    with pytest.raises(ValueError, match=r"file_name must be one of \['corpus.jsonl'"):
        file_path("limit-small", "corpus.json", root=shared_data)


@pytest.mark.data
def test_download_installs_verified_files_then_serves_from_cache(shared_data, mirror, tmp_path):
    mirror.add(shared_data, "limit-small")
    cache = tmp_path / "cache"
    paths = fetch("limit-small", root=cache, base_url=mirror.url, progress=False)
    assert sorted(mirror.requests) == ["/limit-small/corpus.jsonl", "/limit-small/qrels.jsonl",
                                       "/limit-small/queries.jsonl"]
    for name, p in paths.items():
        assert p == cache / "limit-small" / name
        assert p.read_bytes() == (shared_data / "limit-small" / name).read_bytes()
    assert _leftovers(cache) == []
    fetch("limit-small", root=cache, base_url=mirror.url, progress=False)
    assert len(mirror.requests) == 3  # nothing downloaded twice


@pytest.mark.data
def test_loaders_download_through_the_environment(shared_data, mirror, tmp_path, monkeypatch):
    mirror.add(shared_data, "sst2")
    monkeypatch.setenv("EMBTHEORY_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("EMBTHEORY_DATA_URL", mirror.url + "/")
    sentences, labels = load_text("sst2", "dev")
    assert len(sentences) == 872 and labels.shape == (872,)
    assert len(mirror.requests) == 3 and (tmp_path / "cache" / "text" / "stsa.binary.dev").is_file()


@pytest.mark.data
def test_download_from_a_file_url_mirror(shared_data, tmp_path):
    paths = fetch("trec", root=tmp_path / "cache", base_url=shared_data.as_uri(), progress=False)
    assert paths["TREC.test.all"].read_bytes() == (shared_data / "text" / "TREC.test.all").read_bytes()


@pytest.mark.data
def test_corrupt_download_is_deleted_and_named(shared_data, mirror, tmp_path):
    mirror.add(shared_data, "mnist")
    bad = mirror.root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    blob = bytearray(bad.read_bytes())
    blob[100] ^= 0xFF
    bad.write_bytes(bytes(blob))
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=r"t10k-labels-idx1-ubyte\.gz.*sha256.*deleted") as err:
        fetch("mnist", root=cache, base_url=mirror.url, progress=False)
    assert "\n" not in str(err.value)
    assert not (cache / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    assert _leftovers(cache) == []
    # the good file that came first is installed and verified
    assert sha256_file(cache / "mnist" / "t10k-images-idx3-ubyte.gz") == DATASETS["mnist"].files[0].sha256


@pytest.mark.data
def test_corrupt_cached_file_is_reported_not_deleted(shared_data, tmp_path):
    cache = tmp_path / "cache"
    (cache / "text").mkdir(parents=True)
    shutil.copyfile(shared_data / "text" / "mpqa.all", cache / "text" / "mpqa.all")
    with (cache / "text" / "mpqa.all").open("ab") as f:
        f.write(b"1 an extra line\n")
    with pytest.raises(ChecksumError, match=r"mpqa\.all does not match.*delete it"):
        load_text("mpqa", root=cache)
    assert (cache / "text" / "mpqa.all").exists()


def test_file_missing_on_the_server_is_a_clear_error(mirror, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=r"subj\.all is missing.*HTTP 404.*put a copy of https://") as err:
        fetch("subj", root=cache, base_url=mirror.url, progress=False)
    assert str(cache / "text" / "subj.all") in str(err.value)
    assert "\n" not in str(err.value)
    assert not (cache / "text" / "subj.all").exists() and _leftovers(cache) == []


def test_unreachable_server_says_what_to_put_where(tmp_path):
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=r"custrev\.all is missing.*offline\?.*EMBTHEORY_DATA") as err:
        fetch("cr", root=cache, base_url=f"http://127.0.0.1:{port}", timeout=5, progress=False)
    assert str(cache / "text" / "custrev.all") in str(err.value)
    assert _leftovers(cache) == []


def test_offline_mode_never_connects(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBTHEORY_OFFLINE", "1")
    with pytest.raises(DataError, match=r"EMBTHEORY_OFFLINE is set.*put a copy of"):
        fetch("mr", root=tmp_path / "cache", base_url=mirror.url)
    assert mirror.requests == []


def test_data_root_that_is_a_regular_file_is_reported_as_such(tmp_path, mirror, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataError, match=r"a-file \(root\) is a regular file, not a folder"):
        fetch("mr", root=blocker, base_url=mirror.url, progress=False)
    monkeypatch.setenv("EMBTHEORY_DATA", str(blocker))
    with pytest.raises(DataError, match=r"\(EMBTHEORY_DATA\) is a regular file.*point EMBTHEORY_DATA"):
        load_text("mr")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "text").write_text("a file where the dataset folder goes")
    with pytest.raises(DataError, match=r"text is a regular file where the data cache needs a folder"):
        fetch("mr", root=cache, base_url=mirror.url, progress=False)
    assert mirror.requests == []  # reported before any download was tried


def test_unwritable_data_directory(tmp_path, mirror):
    import os

    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        with pytest.raises(DataError, match=r"cannot write to the data directory.*EMBTHEORY_DATA"):
            fetch("mr", root=cache, base_url=mirror.url, progress=False)
    finally:
        cache.chmod(0o700)


def test_bad_arguments_fail_at_call_time(tmp_path):
    with pytest.raises(ValueError, match=r"name must be one of"):
        fetch("imagenet", root=tmp_path)
    with pytest.raises(ValueError, match=r"base_url .* must start with http://"):
        fetch("mr", root=tmp_path, base_url="127.0.0.1:8000/data")
    with pytest.raises(ValueError, match=r"timeout must be > 0"):
        fetch("mr", root=tmp_path, timeout=0)
    with pytest.raises(ValueError, match=r"split must be one of \['all'\].*cross-validate"):
        load_text("mr", "train", root=tmp_path)
    with pytest.raises(ValueError, match=r"split must be one of \['all', 'train', 'test'\]"):
        load_text("trec", "dev", root=tmp_path)
    with pytest.raises(TypeError, match=r"name must be a dataset name"):
        fetch(3, root=tmp_path)
    with pytest.raises(TypeError, match=r"root must be a folder path"):
        fetch("mr", root=3)
    with pytest.raises(TypeError, match=r"file_name must be a str"):
        file_path("mr", None, root=tmp_path)
    with pytest.raises(TypeError, match=r"ndim must be an integer"):
        read_idx(tmp_path / "x.idx", ndim=1.0)
    assert list(tmp_path.iterdir()) == []  # nothing fetched before the arguments were checked

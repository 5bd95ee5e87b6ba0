"""The data cache: where dataset files live, and how a missing one is downloaded and verified.

The cache directory is ``$EMBTHEORY_DATA`` when set, else ``$XDG_CACHE_HOME/embtheory`` (by
default ``~/.cache/embtheory``). A file that is missing is downloaded from its registered
address (or from ``$EMBTHEORY_DATA_URL/<path>`` / the ``base_url`` argument, a mirror with the
cache's layout) into a temporary file beside its destination, its sha256 is checked, and only
then is it renamed into place with ``os.replace`` (atomic on POSIX). A checksum mismatch deletes
the temporary file and raises :class:`ChecksumError`; nothing partial is ever left under the
file's name. Files already present are verified once per process (by size, then sha256).

With ``EMBTHEORY_OFFLINE=1`` nothing is downloaded: a missing file raises :class:`DataError`
saying which file to put where.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from embtheory.core.progress import progress as _progress
from embtheory.core.validation import check_choice, check_positive
from embtheory.data.registry import DATASETS, DataFile

__all__ = ["ChecksumError", "DataError", "data_dir", "fetch", "file_path", "sha256_file"]

_CHUNK = 1 << 16
_verified: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256 already checked


class DataError(RuntimeError):
    """A dataset file that is missing, unreadable or cannot be downloaded; the message says the fix."""


class ChecksumError(DataError):
    """A file whose sha256 differs from the registry's."""


def data_dir() -> Path:
    """The cache directory: ``$EMBTHEORY_DATA``, else ``$XDG_CACHE_HOME/embtheory``.

    ``XDG_CACHE_HOME`` defaults to ``~/.cache``. The directory is not created here; :func:`fetch`
    creates what it needs when it downloads.
    """
    env = os.environ.get("EMBTHEORY_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "embtheory"


def sha256_file(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes, read in 64 KiB chunks (64 hex digits)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _dataset(name: str):
    if not isinstance(name, str):
        raise TypeError(f"name must be a dataset name (a str, one of {sorted(DATASETS)}), got {name!r}")
    check_choice(name, "name", DATASETS)
    return DATASETS[name]


def _root(root: str | os.PathLike | None) -> Path:
    """The cache directory, checked: a folder (or not there yet), never a regular file."""
    if root is None:
        folder, where = data_dir(), "EMBTHEORY_DATA" if os.environ.get("EMBTHEORY_DATA") else "the data cache"
    elif isinstance(root, (str, os.PathLike)) and str(root):
        folder, where = Path(root).expanduser(), "root"
    else:
        raise TypeError(f"root must be a folder path (str or os.PathLike), got {root!r}")
    if folder.exists() and not folder.is_dir():
        raise DataError(f"the data directory {folder} ({where}) is a regular file, not a folder: point "
                        "EMBTHEORY_DATA (or root=) at a folder, or move the file away")
    return folder


def _check_folder(dest: Path) -> None:
    """``dest`` and its parents below the cache must be a file and folders, not the other way round."""
    for parent in dest.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataError(f"{parent} is a regular file where the data cache needs a folder (for "
                                f"{dest.name}): move or delete it")
            break
    if dest.exists() and not dest.is_file():
        raise DataError(f"{dest} is a folder (or not a regular file) where the data cache needs the file "
                        f"{dest.name}: move or delete it")


def file_path(name: str, file_name: str, *, root: str | os.PathLike | None = None,
              base_url: str | None = None, timeout: float = 60.0) -> Path:
    """The local path of one file of a dataset, fetched and verified.

    Args:
        name: a key of :data:`~embtheory.data.DATASETS`.
        file_name: the file's name, e.g. ``"qrels.jsonl"``.
        root, base_url, timeout: as for :func:`fetch`.

    Returns:
        The path of the verified file.
    """
    _dataset(name)
    if not isinstance(file_name, str):
        raise TypeError(f"file_name must be a str, got {file_name!r}")
    files = fetch(name, root=root, base_url=base_url, timeout=timeout)
    check_choice(file_name, "file_name", files)
    return files[file_name]


def fetch(name: str, *, root: str | os.PathLike | None = None, base_url: str | None = None,
          timeout: float = 60.0, progress: bool = True) -> dict[str, Path]:
    """Makes every file of a dataset present and verified in the cache; downloads missing ones.

    Args:
        name: a key of :data:`~embtheory.data.DATASETS` (``"limit-small"``, ``"mnist"``, ``"sst2"``...).
        root: the cache directory; default :func:`data_dir`.
        base_url: download from ``<base_url>/<path>`` (a mirror with the cache's layout, over
            ``http://``, ``https://`` or ``file://``) instead of the registered addresses; default
            ``$EMBTHEORY_DATA_URL`` when set.
        timeout: seconds to wait for a server before giving up.
        progress: show a progress bar while downloading.

    Returns:
        ``{file name: path}`` for every file of the dataset.

    Raises:
        ValueError: an unknown dataset name, a ``base_url`` that is not a URL, ``timeout <= 0``.
        TypeError: a ``name`` or ``root`` of the wrong type.
        DataError: a file cannot be downloaded (offline, no such address) or written, or the
            data directory is a regular file; the message says which file to put where.
        ChecksumError: a downloaded or cached file has the wrong sha256 (a download is deleted;
            a cached file is left alone and named so you can delete it).

    Example:
        >>> paths = fetch("limit-small")            # doctest: +SKIP
        >>> sorted(paths)                           # doctest: +SKIP
        ['corpus.jsonl', 'qrels.jsonl', 'queries.jsonl']
    """
    dataset = _dataset(name)
    check_positive(timeout, "timeout")
    root = _root(root)
    if base_url is None:
        base_url = os.environ.get("EMBTHEORY_DATA_URL") or None
    if base_url is not None and not re.match(r"(https?|file)://", str(base_url)):
        raise ValueError(f"base_url (or EMBTHEORY_DATA_URL) must start with http://, https:// or file://, "
                         f"got {base_url!r}")
    offline = os.environ.get("EMBTHEORY_OFFLINE", "0") not in ("", "0")
    out = {}
    for f in dataset.files:
        dest = root / f.path
        _check_folder(dest)
        if dest.is_file():
            _verify_present(f, dest)
        else:
            url = f"{base_url.rstrip('/')}/{f.path}" if base_url else f.url
            if offline:
                raise DataError(_missing_message(f, dest, url, "EMBTHEORY_OFFLINE is set"))
            _download(f, dest, url, timeout=timeout, progress=progress)
        out[f.name] = dest
    return out


def _missing_message(f: DataFile, dest: Path, url: str, why: str) -> str:
    return (f"dataset file {f.path} is missing and could not be downloaded from {url} ({why}): "
            f"put a copy of {f.url} at {dest}, or set EMBTHEORY_DATA to a folder holding {f.path}")


def _verify_present(f: DataFile, dest: Path) -> None:
    st = dest.stat()
    token = (str(dest.resolve()), st.st_size, st.st_mtime_ns)
    if _verified.get(token) == f.sha256:
        return
    digest = sha256_file(dest) if st.st_size == f.size else f"(size {st.st_size}, expected {f.size})"
    if digest != f.sha256:
        raise ChecksumError(
            f"cached file {dest} does not match the registry (sha256 {digest}, expected {f.sha256}): "
            f"delete it and run again to download it, or replace it with {f.url}"
        )
    _verified[token] = digest


def _download(f: DataFile, dest: Path, url: str, *, timeout: float, progress: bool) -> None:
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as e:
        raise DataError(
            f"cannot write to the data directory {dest.parent} ({e.strerror}): set EMBTHEORY_DATA "
            "to a folder you can write to"
        ) from None
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                request = urllib.request.Request(url, headers={"User-Agent": "embtheory"})
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    bar = _progress(total=f.size, desc=f"download {f.path}", enabled=progress, unit="B")
                    try:
                        while chunk := response.read(_CHUNK):
                            h.update(chunk)
                            out.write(chunk)
                            bar.update(len(chunk))
                    finally:
                        bar.close()
            except urllib.error.HTTPError as e:
                raise DataError(_missing_message(f, dest, url, f"HTTP {e.code} {e.reason}")) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as e:
                reason = getattr(e, "reason", None) or e
                raise DataError(_missing_message(f, dest, url, f"offline? {reason}")) from None
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if digest != f.sha256:
            raise ChecksumError(
                f"downloaded {f.path} from {url} but its sha256 is {digest}, expected {f.sha256}: "
                f"the download was deleted; check the address (or base_url/EMBTHEORY_DATA_URL) or "
                f"put a verified copy of {f.url} at {dest}"
            )
        os.replace(tmp, dest)
        _verified[(str(dest.resolve()), f.size, dest.stat().st_mtime_ns)] = digest
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

"""The registry of datasets: every file's canonical address, size and sha256.

Each dataset is a handful of files copied unchanged from a public repository. A file lives in
the cache at ``<data_dir>/<path>`` (for example ``limit-small/corpus.jsonl``), so any folder with
that layout can serve as a ready-made cache through ``EMBTHEORY_DATA``. The sha256 digests were
computed from copies of the files and checked against the source repositories' blobs.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

__all__ = ["DATASETS", "DataFile", "Dataset"]

_LIMIT = "https://raw.githubusercontent.com/google-deepmind/limit/main/data"
_TEXT = "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/master/data"
_MNIST = "https://raw.githubusercontent.com/daniel-e/machine_learning/master/data/mnist"


@dataclasses.dataclass(frozen=True)
class DataFile:
    """One file of a dataset.

    Attributes:
        path: where it lives inside the data directory, ``"<folder>/<file name>"``.
        url: its canonical download address (a raw file of the source repository).
        sha256: the expected sha256 of its bytes (64 hex digits).
        size: its size in bytes.
    """

    path: str
    url: str
    sha256: str
    size: int

    @property
    def name(self) -> str:
        """The file name, without its folder."""
        return self.path.rsplit("/", 1)[-1]


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A named dataset: its files, where they come from and under which licence.

    Attributes:
        name: the registry key, e.g. ``"limit-small"``.
        description: what it holds, in one line.
        source: the repository and folder the files were published in.
        license: the licence of the data.
        files: its files.
    """

    name: str
    description: str
    source: str
    license: str
    files: tuple[DataFile, ...]

    @property
    def size(self) -> int:
        """The total size of its files in bytes."""
        return sum(f.size for f in self.files)


def _f(base: str, folder: str, name: str, sha256: str, size: int) -> DataFile:
    return DataFile(path=f"{folder}/{name}", url=f"{base}/{name}", sha256=sha256, size=size)


def _limit_dataset(folder: str, description: str, *files: tuple[str, str, int]) -> Dataset:
    """A LIMIT release: its registry name is its folder in google-deepmind/limit."""
    return Dataset(name=folder, description=description, source=f"google-deepmind/limit, data/{folder}/",
                   license="CC-BY-4.0", files=tuple(_f(f"{_LIMIT}/{folder}", folder, *f) for f in files))


def _text_dataset(name: str, description: str, *files: tuple[str, str, int]) -> Dataset:
    """One of the sentence-classification corpora, which share a folder, a source and a licence."""
    return Dataset(name=name, description=description, source="harvardnlp/sent-conv-torch, data/",
                   license="MIT (repository); the standard research releases of the corpora",
                   files=tuple(_f(_TEXT, "text", *f) for f in files))


_ALL = (
    _limit_dataset(
        "limit-small", "LIMIT-small: 46 documents, 1,000 'Who likes X?' queries, 2 relevant documents each",
        ("corpus.jsonl", "ebc38fa10c96fa02e4501e41968edf586efffc6241b6cd10f1c8757c1854dc53", 29465),
        ("queries.jsonl", "0afedee8bb9aec36053568673bc7b5eb3e5fc416b49d44f187026de930084db8", 54483),
        ("qrels.jsonl", "f6a0cbf1ac3c405e1cffc96c87bd19a5f77a671d123f547cf946bf17874a27f8", 137231),
    ),
    _limit_dataset(
        "limit", "LIMIT: 1,000 queries and their qrels (the 50k-document corpus is not registered)",
        ("queries.jsonl", "1ead4c54487728173aa1433778a2ab0f4cf1cf8aeeedb886c05238b32d818594", 54646),
        ("qrels.jsonl", "a4f9b25b694623c240c6499fb8d8a4896355db9c840f29bd14580d0d4100ea89", 135812),
    ),
    Dataset(
        name="mnist",
        description="MNIST test set: 10,000 grey-scale 28x28 digits with labels 0-9 (IDX, gzip)",
        source="daniel-e/machine_learning, data/mnist/ (a copy of LeCun et al.'s release)",
        license="CC-BY-SA-3.0 (LeCun, Cortes and Burges)",
        files=tuple(_f(_MNIST, "mnist", *f) for f in (
            ("t10k-images-idx3-ubyte.gz",
             "9fe7630f90c0e670227960a294637bc2e78a29d724810e24204eb342c9f033a1", 1648877),
            ("t10k-labels-idx1-ubyte.gz",
             "2c54c993d38068b3c3adb720a5cdee07065a066a7b36e7d1df720548d6359eba", 4542),
        )),
    ),
    _text_dataset(
        "sst2", "SST-2: binary sentiment of movie-review sentences, train/dev/test (Socher et al. 2013)",
        ("stsa.binary.train", "71c04bcc41291fa47454dd670df701b14ee9249156babeaac404cfe2c8d74338", 738844),
        ("stsa.binary.dev", "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1", 94400),
        ("stsa.binary.test", "6a80dc9b9a0db2d3b37f2f809304febad31c90ab67a5b4157b7d9f881c53ef5b", 193562),
    ),
    _text_dataset(
        "mr", "MR: binary sentiment of movie-review snippets (Pang and Lee 2005)",
        ("rt-polarity.all", "b8846c3bbd59241f901efdc58f7c515e4b280ab3561fd1858caa5aa48da95a8a", 1259719),
    ),
    _text_dataset(
        "subj", "SUBJ: subjective vs objective sentences (Pang and Lee 2004)",
        ("subj.all", "f3ffbe2aa8e4f3ba3e63e46dce51613854edbca122fb3aa758b9bce047ded23c", 1320246),
    ),
    _text_dataset(
        "cr", "CR: binary sentiment of customer reviews (Hu and Liu 2004)",
        ("custrev.all", "a3839a79bd3285177a07158c6104b49038a7a06ab2abe897734cde5d22e5e325", 374094),
    ),
    _text_dataset(
        "trec", "TREC: question type, 6 classes, train/test (Li and Roth 2002)",
        ("TREC.train.all", "c8183fd8c2a5cc4a9a1c56548d7c6410a8b71ed7843df9ef1f0a05cd7cf2fb3e", 292402),
        ("TREC.test.all", "92a6a3cede5678b447ef5f1d7ec474134fcda211e6590e6fa627b4a2c68e4566", 19479),
    ),
    _text_dataset(
        "mpqa", "MPQA: opinion polarity of phrases (Wiebe et al. 2005)",
        ("mpqa.all", "661de8a069da4b9845fc8b9ae59cc97ffe554f3018fa6bf0e640e3d626a4eaf7", 229972),
    ),
)

DATASETS: MappingProxyType[str, Dataset] = MappingProxyType({d.name: d for d in _ALL})
"""Every registered dataset by name (read-only)."""

"""The table of datasets: every entry names its files, sizes and checksums."""

from __future__ import annotations

import re

from embtheory.data import (
    DATASETS,
)


def test_registry_is_well_formed():
    assert set(DATASETS) == {"limit-small", "limit", "mnist", "sst2", "mr", "subj", "cr", "trec", "mpqa"}
    for ds in DATASETS.values():
        names = [f.name for f in ds.files]
        assert len(set(names)) == len(names), ds.name
        for f in ds.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256), f.path
            assert f.url.startswith("https://raw.githubusercontent.com/") and f.url.endswith("/" + f.name)
            assert f.path.count("/") == 1 and f.size > 0
    assert "corpus.jsonl" not in [f.name for f in DATASETS["limit"].files]  # the 50k corpus is unavailable

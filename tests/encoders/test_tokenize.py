"""Length buckets and padding of token batches."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.encoders import bucket_of, length_buckets, pad_batch


# ---------------------------------------------------------------- buckets
def test_length_buckets_and_padding():
    assert length_buckets(256) == (16, 32, 64, 128, 256)
    assert length_buckets(200) == (16, 32, 64, 128, 200)
    fine = length_buckets(256, per_octave=2)
    assert fine[:4] == (16, 24, 32, 48) and fine[-1] == 256 and len(fine) == 9
    assert bucket_of(17, (16, 32)) == 32 and bucket_of(16, (16, 32)) == 16
    with pytest.raises(ValueError, match="longer than the largest bucket"):
        bucket_of(33, (16, 32))
    ids, mask = pad_batch([[5, 6, 7], [8]], 3, 4)
    np.testing.assert_array_equal(ids, [[5, 6, 7, 0], [8, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1, 0], [1, 0, 0, 0], [1, 0, 0, 0]])

"""Top-k selection: exact even when most values tie (the scores of a ubiquitous word)."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.index import topk


@pytest.mark.parametrize("seed", range(6))
def test_top_indices_finds_the_k_largest_even_among_heavy_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for m in (50, 1500, 5000, 20000):
        values = np.where(rng.random(m) < 0.9, 0.25, np.round(rng.random(m), 2))  # mostly one value
        for k in (1, 7, 40, 300):
            if k >= m:
                continue
            picked = topk.top_indices(values, k)
            assert len(np.unique(picked)) == k
            assert np.array_equal(np.sort(values[picked]), np.sort(values)[m - k :]), (m, k)

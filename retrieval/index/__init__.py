"""rank-bm25's BM25Okapi over a corpus's passage tokens, exactly and fast.

bm25 (the CSR postings and their impact tiers, exact scores) → maxscore (which passages can
still be in the top k) → topk (the best k of them, ties as rank-bm25 orders them); persist
saves a built index to a file and loads it back. segments is the incremental variant (adds and
removes at a cost proportional to the change, the same exact scores).
"""

from __future__ import annotations

from .bm25 import BM25Index, BM25Params
from .persist import SavedIndex, load_index, save_index
from .segments import SegmentedBM25

__all__ = ["BM25Index", "BM25Params", "SavedIndex", "SegmentedBM25", "load_index", "save_index"]

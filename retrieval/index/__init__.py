"""rank-bm25's BM25Okapi over a corpus's passage tokens, exactly and fast.

bm25 (the CSR postings and their impact tiers, exact scores) → maxscore (which passages can
still be in the top k) → topk (the best k of them, ties as rank-bm25 orders them). segments is
the incremental variant the engine uses (adds and removes at a cost proportional to the
change, the same exact scores), and segment_persist saves it a segment at a time.
"""

from __future__ import annotations

from .bm25 import BM25Index, BM25Params
from .segments import SegmentedBM25

__all__ = ["BM25Index", "BM25Params", "SegmentedBM25"]

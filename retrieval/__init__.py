"""newsbot's retrieval library: plain synchronous code, no Discord, no CLI, no configuration.

The data flow, one stage a package:

    text/     normal forms, the analyzer (words → index terms), sentence boundaries
    corpus/   folder → files → cleaned articles → passages (load_corpus is the one loop)
    index/    passage terms → BM25 postings → the top k passages (exactly rank-bm25's)
    lexicon/  the word lists the stages use, as data files

Dependencies run one way (text ← corpus ← index; records and lexicon are leaves), and none
of these packages imports the engine or the answer modules, which sit on top: the engine
builds an index over a corpus and answers a question with parse → search → compose.
"""

from __future__ import annotations

from .answer import Answer, Citation
from .corpus import ArticleError, CorpusError, KnownFile, LoadResult, load_corpus, pipeline_id, split_passages
from .engine import MAX_QUESTION_CHARS, Engine, EngineState, passage_index_text
from .index import BM25Index, BM25Params
from .records import Article, LoadFailure, Passage, Span
from .snapshot import read_snapshot, write_snapshot
from .text.analyzers import Analyzer

__all__ = [
    "MAX_QUESTION_CHARS",
    "Analyzer",
    "Answer",
    "Article",
    "ArticleError",
    "BM25Index",
    "BM25Params",
    "Citation",
    "CorpusError",
    "Engine",
    "EngineState",
    "KnownFile",
    "LoadFailure",
    "LoadResult",
    "Passage",
    "Span",
    "load_corpus",
    "passage_index_text",
    "pipeline_id",
    "read_snapshot",
    "split_passages",
    "write_snapshot",
]

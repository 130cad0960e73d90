"""From a folder of article files to articles and passages.

files (where the articles are, whether they changed, their bytes and metadata) → articles
(cleaned text, headline, date; :mod:`.cleaning` removes page boilerplate) → passages
(sentence-aligned units for the index). :func:`load_corpus` is the one loop over a folder;
:func:`pipeline_id` names the version of this text pipeline that a store's articles came from.
"""

from __future__ import annotations

from .articles import parse_article
from .files import ArticleError, CorpusError, CorpusProblem, Metadata, require_folder
from .loader import OUTSIDE_LINK, FailedFile, KnownFile, LoadedFile, LoadResult, load_corpus
from .passages import passage_text, split_passages
from .pipeline import PIPELINE_VERSION, pipeline_id

__all__ = [
    "OUTSIDE_LINK",
    "PIPELINE_VERSION",
    "ArticleError",
    "CorpusError",
    "CorpusProblem",
    "FailedFile",
    "KnownFile",
    "LoadResult",
    "LoadedFile",
    "Metadata",
    "load_corpus",
    "parse_article",
    "passage_text",
    "pipeline_id",
    "require_folder",
    "split_passages",
]

"""Which version of the text pipeline produced a set of articles, passages and tokens.

A store keeps what the pipeline made of each file (cleaned text, passages, index tokens) so
that a restart need not parse the corpus again. After an upgrade that changes parsing,
cleaning, sentence or passage splitting, or analysis, what was stored no longer matches
what the new code would make — and questions, analysed by the new code, would miss the old
tokens. A store records :func:`pipeline_id` with its corpus; when it differs, every file is
parsed again.
"""

from __future__ import annotations

import Stemmer

PIPELINE_VERSION = 5
"""Bump whenever articles, passages or tokens come out differently for the same files.
``tests/retrieval/corpus/test_pipeline.py`` pins a digest of the seeds' output to this number, so
a change that forgets to bump it fails there."""


def pipeline_id() -> str:
    """This code's pipeline version, with the Snowball stemmer's (its stems are tokens too)."""
    return f"{PIPELINE_VERSION}+pystemmer-{Stemmer.version()}"

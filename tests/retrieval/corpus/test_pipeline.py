"""The pipeline version moves whenever what a store keeps for the same files changes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from retrieval.corpus import load_corpus
from retrieval.corpus.passages import split_passages
from retrieval.corpus.pipeline import PIPELINE_VERSION, pipeline_id
from retrieval.engine import passage_index_text
from retrieval.text.analyzers import Analyzer

ROOT = Path(__file__).resolve().parents[3]

SEEDS_OUTPUT_DIGEST = {
    1: "59544a24515b3b6585c4bea778b2f590d41b8fc2f919bf84416b6fd2cc5f0fa9",
    # 2: ordinals become one term ("XIXe", "19ème" → "19e"); the seeds hold none.
    2: "59544a24515b3b6585c4bea778b2f590d41b8fc2f919bf84416b6fd2cc5f0fa9",
    # 3: English articles analysed in English, Markdown rendered to plain text, HTML pages
    # extracted; the seeds are French plain text.
    3: "59544a24515b3b6585c4bea778b2f590d41b8fc2f919bf84416b6fd2cc5f0fa9",
    # 4: articles carry their author (front matter, manifest, a page's byline); the seeds
    # name none.
    4: "59544a24515b3b6585c4bea778b2f590d41b8fc2f919bf84416b6fd2cc5f0fa9",
    # 5: pages keep only the date their markup declares (none guessed from their text); a
    # one-sentence file is its own headline and text. The seeds have neither.
    5: "59544a24515b3b6585c4bea778b2f590d41b8fc2f919bf84416b6fd2cc5f0fa9",
}
"""PIPELINE_VERSION -> sha256 of everything the pipeline makes of the shipped seeds."""


def seeds_output_digest() -> str:
    analyzer = Analyzer()
    digest = hashlib.sha256()
    for article in load_corpus(ROOT / "seeds").articles:
        passages = split_passages(article)
        record = {
            "article": [article.path, article.title, article.text, article.source, article.url, article.published],
            "passages": [[[(s.start, s.end) for s in p.sentences], p.context] for p in passages],
            "tokens": [analyzer.terms(passage_index_text(article, p)) for p in passages],
        }
        digest.update(json.dumps(record, ensure_ascii=False).encode())
    return digest.hexdigest()


def test_stored_output_of_the_seeds_matches_the_pipeline_version() -> None:
    assert seeds_output_digest() == SEEDS_OUTPUT_DIGEST.get(PIPELINE_VERSION), (
        "articles, passages or tokens of the seeds changed: stores made by the previous code "
        "must parse their files again. Bump retrieval.corpus.pipeline.PIPELINE_VERSION and add "
        f"{PIPELINE_VERSION + 1}: {seeds_output_digest()!r} to SEEDS_OUTPUT_DIGEST."
    )


def test_pipeline_id_names_the_version_and_the_stemmer() -> None:
    assert pipeline_id().startswith(f"{PIPELINE_VERSION}+pystemmer-")

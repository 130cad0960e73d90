"""Answers kept for their buttons: a kept citation names its article as the answer did."""

from __future__ import annotations

import json

from bot.service.answers import citation_from_record, citation_record
from retrieval.answer import Citation
from retrieval.records import Article


def test_a_kept_citation_keeps_title_publisher_author_link_and_date() -> None:
    article = Article(
        "web://news.example/a",
        "Mistral lève 600 millions",
        "Mistral AI a levé 600 millions d'euros.",
        "h",
        source="Le Journal",
        url="https://news.example/a",
        published="2025-01-02",
        author="Marie Dupont",
    )
    kept = citation_from_record(json.loads(json.dumps(citation_record(Citation(article, "Mistral AI a levé…", 3.2)))))
    shown = kept.article
    assert (shown.title, shown.source, shown.author, shown.url, shown.published) == (
        "Mistral lève 600 millions",
        "Le Journal",
        "Marie Dupont",
        "https://news.example/a",
        "2025-01-02",
    )
    assert kept.quote == "Mistral AI a levé…"

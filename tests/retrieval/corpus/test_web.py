"""Web formats become quotable prose: pages give their article and metadata, Markdown its
words, and the same page under two links is recognised."""

from __future__ import annotations

from pathlib import Path

from retrieval.corpus import load_corpus
from retrieval.corpus.articles import parse_article
from retrieval.corpus.files import Metadata
from retrieval.corpus.passages import split_passages
from retrieval.corpus.web import canonical_url, extract_html, markdown_to_text, text_fingerprint

PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>DeepSeek bouscule la Silicon Valley - Le Journal</title>
<link rel="canonical" href="https://www.example.org/tech/deepseek?utm_source=rss&amp;utm_medium=feed#top">
<meta property="og:site_name" content="Le Journal">
<meta name="author" content="Jeanne Martin">
<meta property="article:published_time" content="2025-01-28T09:30:00+01:00">
<script>var tracker = "ne jamais citer ce script";</script>
</head><body>
<nav><a href="/">Accueil</a> <a href="/tech">Tech</a></nav>
<article>
<h1>DeepSeek bouscule la Silicon Valley</h1>
<p>La start-up chinoise DeepSeek affirme avoir formé son modèle R1 pour 5,6&nbsp;millions de dollars.</p>
<p>Ce montant est bien inférieur aux centaines de millions investis par les <b>leaders américains</b> du secteur.</p>
<p>Les investisseurs ont réagi en vendant massivement les actions des fabricants de puces électroniques.</p>
</article>
<footer>Tous droits réservés. Abonnez-vous à notre newsletter.</footer>
</body></html>
"""


def test_a_page_gives_its_article_text_without_markup_or_furniture() -> None:
    page = extract_html(PAGE)
    assert "5,6\u00a0millions de dollars" in page.text or "5,6 millions de dollars" in page.text
    assert "<" not in page.text and "&nbsp;" not in page.text
    assert "leaders américains du secteur" in page.text
    assert "ne jamais citer" not in page.text
    assert "Accueil" not in page.text


def test_a_page_gives_title_author_publisher_date_and_canonical_link() -> None:
    page = extract_html(PAGE.encode(), url="https://feeds.example.org/item/1")
    assert page.title == "DeepSeek bouscule la Silicon Valley"
    assert page.author == "Jeanne Martin"
    assert page.publisher == "Le Journal"
    assert page.published == "2025-01-28"
    assert page.url == "https://www.example.org/tech/deepseek"


def test_a_page_without_an_article_falls_back_to_its_visible_text() -> None:
    page = extract_html("<html><head><title>Brève</title></head><body><p>Mistral lève des fonds.</p></body></html>")
    assert "Mistral lève des fonds." in page.text
    assert page.title in ("Brève", "Mistral lève des fonds.")


def test_a_page_without_a_declared_date_gets_none_not_one_guessed_from_its_text() -> None:
    body = (
        "<p>Le conseil a voté un budget à partir de 2026 pour la piscine municipale, après un long débat.</p>"
        "<p>Le maire a salué la décision prise par les élus lors de la séance publique du conseil.</p>"
    )
    undated = f"<html><head><title>Piscine</title></head><body><article><h1>Piscine</h1>{body}</article></body></html>"
    assert extract_html(undated).published is None  # htmldate's text search said 2026-01-01
    dated = undated.replace("<head>", '<head><meta property="article:published_time" content="2025-03-04T10:00:00Z">')
    assert extract_html(dated).published == "2025-03-04"


def test_a_page_in_latin1_is_read_by_its_declared_charset() -> None:
    raw = PAGE.replace('charset="utf-8"', 'charset="iso-8859-1"').encode("latin-1", "replace")
    assert "inférieur" in extract_html(raw).text


def test_an_html_file_in_the_corpus_becomes_an_article_with_its_page_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    (folder / "old.HTM").write_text(PAGE.replace("DeepSeek bouscule", "Mistral inquiète"), encoding="utf-8")
    result = load_corpus(folder)
    assert result.failures == []
    article = next(a for a in result.articles if a.path == "corpus/page.html")
    assert article.title == "DeepSeek bouscule la Silicon Valley"
    assert article.source == "Le Journal"
    assert article.published == "2025-01-28"
    assert article.url == "https://www.example.org/tech/deepseek"
    assert article.author == "Jeanne Martin"
    assert "<p>" not in article.text and "DOCTYPE" not in article.text
    assert {a.path for a in result.articles} == {"corpus/page.html", "corpus/old.HTM"}
    quoted = " ".join(article.text[s.start : s.end] for p in split_passages(article) for s in p.sentences)
    assert "5,6" in quoted and "<" not in quoted


def test_the_manifest_wins_over_the_page_metadata() -> None:
    article = parse_article("c/page.html", PAGE.encode(), Metadata(title="Titre choisi", source="Mon flux"))
    assert (article.title, article.source, article.published) == ("Titre choisi", "Mon flux", "2025-01-28")


MARKDOWN = """---
title: La percée de DeepSeek
---
# La percée de DeepSeek

DeepSeek a **formé** R1 pour [5,6 millions de dollars](https://example.org/cout "coût").
Le modèle est publié en *open source* ![logo](logo.png).

## Les réactions

- Nvidia a perdu `600 milliards` de capitalisation en une journée.
- Les investisseurs <span>doutent</span> des dépenses américaines.
"""


def test_markdown_is_quoted_as_plain_text() -> None:
    text = markdown_to_text(MARKDOWN.split("---\n", 2)[2])
    assert "DeepSeek a formé R1 pour 5,6 millions de dollars. Le modèle est publié en open source." in text
    for raw in ("**", "](", "#", "*open", "`", "<span>", "logo.png"):
        assert raw not in text
    assert "Les réactions" in text.split("\n")
    assert "Nvidia a perdu 600 milliards de capitalisation en une journée." in text.split("\n")


def test_a_markdown_article_never_quotes_markup() -> None:
    article = parse_article("c/a.md", MARKDOWN.encode())
    assert article.title == "La percée de DeepSeek"
    assert "**" not in article.text and "](" not in article.text and "#" not in article.text
    assert "DeepSeek a formé R1 pour 5,6 millions de dollars." in article.text


def test_canonical_url_drops_tracking_parameters_fragments_and_case() -> None:
    assert (
        canonical_url("HTTPS://Example.ORG:443/a/b/?utm_source=rss&id=3&fbclid=x&xtor=RSS-1&a=1#comments")
        == "https://example.org/a/b?a=1&id=3"
    )
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/x") == "http://example.org:8080/x"
    assert canonical_url("not a url") == "not a url"


def test_text_fingerprint_ignores_spacing_case_and_punctuation_but_not_words() -> None:
    one = text_fingerprint("DeepSeek a formé R1.\nPour 5,6 millions.")
    assert one == text_fingerprint("deepseek  a  forme r1 pour 5,6 millions")
    assert one != text_fingerprint("DeepSeek a formé R2 pour 5,6 millions.")

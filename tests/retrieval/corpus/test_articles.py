"""One file → one article: the title and date users see next to each quote, metadata
precedence, and clear refusals for files that are not articles."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from retrieval.corpus.articles import find_date, normalize_date, parse_article
from retrieval.corpus.files import ArticleError, Metadata
from retrieval.records import Article

SEEDS = Path(__file__).resolve().parents[3] / "seeds"

BODY = "DeepSeek a formé R1 pour 5,6 millions de dollars. Le modèle est publié en open source.\n"


def seed(prefix: str) -> Article:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return parse_article(f"seeds/{path.name}", path.read_bytes())


# Derived titles of the seeds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "title"),
    [
        ("000", "DeepSeek voit sa cote de popularité grimper en flèche malgré ses détracteurs"),
        (
            "001",
            "Sommet pour l’action sur l’IA : l’Europe étouffée par ses propres règles? / DeepSeek bouscule "
            "Meta et Open AI / Paul McCartney dénonce un « Far West »",
        ),
        ("002", "DeepSeek effraie la Silicon Valley : une percée chinoise dans l’IA"),
        (
            "003",
            "«\u00a0 Salles de guerre \u00a0», allégations de vol de données et open source: comment les "
            "entreprises technologiques ont réagi à l’IA de Deepseek",
        ),
        (
            "004",
            "L’ascension fulgurante de DeepSeek chinois : une menace pour la domination américaine dans "
            "l’IA générative",
        ),
    ],
)
def test_seed_title_is_its_headline(prefix: str, title: str) -> None:
    assert seed(prefix).title == title


def test_breadcrumb_before_headline_is_not_the_title() -> None:
    title = seed("002").title
    assert not title.startswith("Accueil")
    assert "Net DeepSeek" not in title


def test_photo_caption_and_credit_are_not_the_title() -> None:
    article = seed("003")
    assert "Icons" not in article.title
    assert "Milos Schmidt" not in article.title
    assert "Milos Schmidt" not in article.text
    assert "The Icons for the smartphone apps" not in article.text


def test_date_prefix_is_not_part_of_the_title() -> None:
    title = seed("001").title
    assert not title.lower().startswith("date")
    assert "2025-01" not in title


def test_date_prefix_gives_the_published_month() -> None:
    assert seed("001").published == "2025-01"


def test_photo_caption_date_gives_the_published_day() -> None:
    assert seed("003").published == "2025-01-28"


@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_seed_without_explicit_date_has_no_published_date(prefix: str) -> None:
    assert seed(prefix).published is None


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_repeated_headline_is_not_left_in_the_text(prefix: str) -> None:
    article = seed(prefix)
    assert article.title not in article.text.split("\n")


def test_seed_text_starts_with_the_article_not_the_page_header() -> None:
    assert seed("004").text.startswith("L’apparition de DeepSeek, start-up chinoise")
    assert seed("002").text.startswith("Depuis que la société chinoise")


def test_seed_without_metadata_has_no_source_or_url() -> None:
    article = seed("002")
    assert article.source is None
    assert article.url is None


def test_markdown_heading_marker_is_not_in_the_title() -> None:
    article = parse_article("c/a.md", ("# La percée de DeepSeek inquiète\n\n" + BODY).encode())
    assert article.title == "La percée de DeepSeek inquiète"


def test_title_falls_back_to_the_file_name_when_nothing_looks_like_a_headline() -> None:
    # Every line before the body is a caption-like sentence ending with a period.
    raw = ("Une légende de photo prise à Pékin le 28 janvier 2025.\n" + BODY).encode()
    article = parse_article("corpus/sans-titre.txt", raw)
    assert article.title == "sans-titre.txt"
    assert article.published == "2025-01-28"
    assert BODY.strip() in article.text


def test_short_title_case_headline_is_not_mistaken_for_a_photo_credit() -> None:
    raw = ("Mistral AI\n\nLa start-up française a levé 600 millions d'euros. Elle vise l'Europe.\n").encode()
    article = parse_article("c/mistral.txt", raw)
    assert article.title == "Mistral AI"
    assert "La start-up française a levé 600 millions d'euros." in article.text


# Metadata precedence -----------------------------------------------------------------------

FRONT = (
    "---\n"
    "title: Titre de la front matter\n"
    "source: Le Monde\n"
    "url: https://example.com/deepseek\n"
    "date: 28 janvier 2025\n"
    "---\n"
    "Un titre dans le corps de l'article\n"
)


def test_front_matter_fields_are_used() -> None:
    article = parse_article("c/a.txt", (FRONT + BODY).encode())
    assert article.title == "Titre de la front matter"
    assert article.source == "Le Monde"
    assert article.url == "https://example.com/deepseek"
    assert article.published == "2025-01-28"


def test_front_matter_title_keeps_the_first_body_line_in_the_text() -> None:
    article = parse_article("c/a.txt", (FRONT + BODY).encode())
    assert article.text.startswith("Un titre dans le corps de l'article\n")
    assert "---" not in article.text
    assert "Le Monde" not in article.text


def test_front_matter_and_manifest_name_the_author() -> None:
    assert parse_article("c/a.txt", ("---\nauthor: Marie Dupont\n---\n" + BODY).encode()).author == "Marie Dupont"
    assert parse_article("c/a.txt", ("---\nauteur: Jean Roux\n---\n" + BODY).encode()).author == "Jean Roux"
    assert parse_article("c/a.txt", BODY.encode(), Metadata(author="Léa Kim")).author == "Léa Kim"
    assert parse_article("c/a.txt", BODY.encode()).author is None


def test_front_matter_accepts_french_and_alias_keys() -> None:
    raw = "---\ntitre: Un titre\npublisher: AFP\nlink: https://e.x/1\npublished_at: 3 février 2025\n---\n"
    article = parse_article("c/a.txt", (raw + BODY).encode())
    assert (article.title, article.source, article.url, article.published) == (
        "Un titre",
        "AFP",
        "https://e.x/1",
        "2025-02-03",
    )


def test_manifest_metadata_is_used_when_there_is_no_front_matter() -> None:
    manifest = Metadata(title="Titre du manifeste", source="Reuters", url="https://e.x/2", published="2025-02")
    article = parse_article("c/a.txt", ("Un titre dérivé du texte\n" + BODY).encode(), manifest)
    assert article.title == "Titre du manifeste"
    assert article.source == "Reuters"
    assert article.url == "https://e.x/2"
    assert article.published == "2025-02"


def test_front_matter_wins_over_manifest_and_manifest_fills_the_gaps() -> None:
    raw = "---\ntitle: Titre de la front matter\n---\n" + BODY
    manifest = Metadata(title="Titre du manifeste", source="Reuters", published="2025-02-03")
    article = parse_article("c/a.txt", raw.encode(), manifest)
    assert article.title == "Titre de la front matter"
    assert article.source == "Reuters"
    assert article.published == "2025-02-03"


def test_metadata_date_wins_over_a_date_in_the_page() -> None:
    raw = ("Une légende de photo prise à Pékin le 28 janvier 2025.\nLa percée de DeepSeek\n" + BODY).encode()
    article = parse_article("c/a.txt", raw, Metadata(published="2025-03-01"))
    assert article.published == "2025-03-01"


def test_content_hash_changes_with_the_manifest_entry() -> None:
    raw = ("La percée de DeepSeek\n" + BODY).encode()
    plain = parse_article("c/a.txt", raw)
    assert parse_article("c/a.txt", raw).content_hash == plain.content_hash
    assert parse_article("c/a.txt", raw, Metadata(title="Autre")).content_hash != plain.content_hash


# Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Publié le 28 janvier 2025", "2025-01-28"),
        ("Publié le 1er février 2025", "2025-02-01"),
        ("Tuesday, Jan. 28, 2025.", "2025-01-28"),
        ("le 28/01/2025", "2025-01-28"),
        ("2025-01-28", "2025-01-28"),
        ("En 2015, le fonds a été fondé.", None),
    ],
)
def test_find_date(text: str, iso: str | None) -> None:
    assert find_date(text) == iso


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2025-01", "2025-01"),
        ("2025-01-28", "2025-01-28"),
        ("2025-01-28 09:30", "2025-01-28"),
        ("28 janvier 2025", "2025-01-28"),
        ("bientôt", None),
    ],
)
def test_normalize_date(value: str, iso: str | None) -> None:
    assert normalize_date(value) == iso


@pytest.mark.parametrize("value", ["2025-01-28T09:30:00Z", "2025-01-28T09:30:00+01:00"])
def test_iso_datetime_metadata_keeps_its_day(value: str) -> None:
    assert normalize_date(value) == "2025-01-28"


def test_front_matter_published_at_datetime_gives_the_published_day() -> None:
    raw = "---\ntitle: Un titre\npublished_at: 2025-01-28T09:30:00Z\n---\n" + BODY
    assert parse_article("c/a.txt", raw.encode()).published == "2025-01-28"


# Files that are not articles ---------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"  \n\n\t "], ids=["empty", "whitespace"])
def test_empty_file_is_refused(raw: bytes) -> None:
    with pytest.raises(ArticleError, match="empty"):
        parse_article("c/empty.txt", raw)


def test_binary_file_is_refused() -> None:
    with pytest.raises(ArticleError, match="binary"):
        parse_article("c/image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + BODY.encode())


def test_latin1_file_is_refused_with_a_utf8_hint() -> None:
    raw = ("La percée de DeepSeek\nL'entraînement a coûté très cher à l'équipe.\n").encode("latin-1")
    with pytest.raises(ArticleError, match="UTF-8"):
        parse_article("c/latin1.txt", raw)


def test_boilerplate_only_file_is_refused() -> None:
    raw = "Articles récents\nspot_img\nRéagir\n0Commentaire\nTous les champs sont obligatoires\n".encode()
    with pytest.raises(ArticleError, match="boilerplate"):
        parse_article("c/chrome.txt", raw)


def test_headline_with_only_boilerplate_below_is_refused() -> None:
    raw = "La percée de DeepSeek inquiète\nRéagir\n0Commentaire\nLAISSER UN COMMENTAIRE\n".encode()
    with pytest.raises(ArticleError, match="no article text"):
        parse_article("c/chrome.txt", raw)


# Encoding details ---------------------------------------------------------------------------


def test_utf8_bom_and_crlf_are_removed() -> None:
    raw = "\ufeffLa percée de DeepSeek\r\nDeepSeek a formé R1 pour 5,6 millions.\r\nLe modèle est ouvert.\r\n"
    article = parse_article("c/a.txt", raw.encode())
    assert article.title == "La percée de DeepSeek"
    assert "\r" not in article.text
    assert "\ufeff" not in article.text


def test_decomposed_file_is_stored_composed() -> None:
    raw = unicodedata.normalize("NFD", "La percée de DeepSeek\nL'entraînement a coûté très cher à l'équipe.\n")
    article = parse_article("c/a.txt", raw.encode())
    assert article.text == "L'entraînement a coûté très cher à l'équipe."
    assert article.title == "La percée de DeepSeek"


def test_a_one_sentence_brief_is_its_own_headline_and_text() -> None:
    article = parse_article(
        "c/louvre.txt", "Le musée du Louvre a accueilli 9 millions de visiteurs en 2024.\n".encode()
    )
    assert article.title == article.text == "Le musée du Louvre a accueilli 9 millions de visiteurs en 2024."


def test_a_file_with_only_a_headline_says_so() -> None:
    with pytest.raises(ArticleError, match="only a headline"):
        parse_article("c/titre.txt", "Le Louvre bat son record de fréquentation\n".encode())

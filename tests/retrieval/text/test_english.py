"""English text: golden terms of the English analyzer, language detection, and a corpus
that mixes English and French articles (each analysed in its own language)."""

from __future__ import annotations

import pytest

from retrieval.corpus import parse_article, split_passages
from retrieval.corpus.articles import find_date
from retrieval.engine import Engine, passage_terms
from retrieval.text.analyzers import Analyzers
from retrieval.text.language import Language, detect_language


@pytest.fixture(scope="module")
def analyzers() -> Analyzers:
    return Analyzers()


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        # Endings meet their stem: the French stemmer left "lowered" and "lower" apart.
        ("lowered lowers lowering", ["lower", "lower", "lower"]),
        ("destroyed destroys destroying", ["destroy", "destroy", "destroy"]),
        ("investigating investigated investigation", ["investig", "investig", "investig"]),
        # Clitics and stopwords go; names keep their own spelling.
        ("OpenAI's models weren't cheap", ["openai", "model", "cheap"]),
        ("The U.S. economy grew 3.5 percent", ["u", "economi", "grew", "3.5", "percent"]),
        # Ordinals are one term in both languages, and accents fold as in French.
        ("the 19th century, the XIXe siècle", ["19e", "centuri", "19e", "siecl"]),
        ("Café résumé", ["cafe", "resum"]),
    ],
)
def test_english_golden_terms(analyzers: Analyzers, text: str, terms: list[str]) -> None:
    assert analyzers.terms(text, Language.ENGLISH) == terms


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The Normans were the people who in the 10th and 11th centuries gave their name to Normandy.", "en"),
        ("Lyon a une situation de carrefour géographique du pays, au nord du couloir de la vallée du Rhône.", "fr"),
        ("What did Satya Nadella say about the Jevons paradox?", "en"),
        ("Combien a coûté l'entraînement de DeepSeek R1 ?", "fr"),
    ],
)
def test_language_is_detected_from_function_words(text: str, language: str) -> None:
    assert detect_language(text) == language


ENGLISH = (
    b"The harbour of Zenport\n"
    b"The harbour of Zenport was destroyed by a storm in 1921. Engineers rebuilt the piers "
    b"within three years, and the new harbour lowered shipping costs for the whole region.\n"
)
FRENCH = (
    b"Le port de Vannes\n"
    b"Le port de Vannes a \xc3\xa9t\xc3\xa9 d\xc3\xa9truit par une temp\xc3\xaate en 1921. "
    b"Les ing\xc3\xa9nieurs ont reconstruit les quais en trois ans, et le nouveau port a "
    b"baiss\xc3\xa9 les co\xc3\xbbts du transport pour toute la r\xc3\xa9gion.\n"
)


def test_each_article_is_stemmed_with_its_own_stemmer(analyzers: Analyzers) -> None:
    english = parse_article("c/zenport.txt", ENGLISH)
    french = parse_article("c/vannes.txt", FRENCH)
    assert (english.lang, french.lang) == ("en", "fr")
    english_terms = passage_terms(analyzers, english, split_passages(english)[0])
    french_terms = passage_terms(analyzers, french, split_passages(french)[0])
    assert "destroy" in english_terms and "lower" in english_terms  # English Snowball
    assert "detruit" in french_terms and "baiss" in french_terms  # French Snowball


def test_front_matter_language_wins_over_detection() -> None:
    raw = b"---\nlang: en\n---\nLe port de Vannes\n" + FRENCH.split(b"\n", 1)[1]
    assert parse_article("c/declared.txt", raw).lang == "en"


def test_a_mixed_corpus_answers_each_question_from_its_own_language() -> None:
    english = parse_article("c/zenport.txt", ENGLISH)
    french = parse_article("c/vannes.txt", FRENCH)
    engine = Engine([english, french], split_passages(english) + split_passages(french))
    asked_in_english = engine.answer("When was the harbour of Zenport destroyed?")
    asked_in_french = engine.answer("Quand le port de Vannes a-t-il été détruit ?")
    assert asked_in_english.answered and asked_in_english.lang == "en"
    assert asked_in_english.citations[0].article.path == "c/zenport.txt"
    assert asked_in_french.answered and asked_in_french.lang == "fr"
    assert asked_in_french.citations[0].article.path == "c/vannes.txt"


@pytest.mark.parametrize(
    ("text", "month_first", "iso"),
    [
        ("Jan. 28, 2025", True, "2025-01-28"),
        ("January 28, 2025", True, "2025-01-28"),
        ("Published 01/28/2025", True, "2025-01-28"),
        ("Publié le 28/01/2025", False, "2025-01-28"),
    ],
)
def test_dates_are_read_the_way_each_language_writes_them(text: str, month_first: bool, iso: str) -> None:
    assert find_date(text, month_first=month_first) == iso

"""The analyzer: golden term lists for the cases that decide whether a question meets its answer.

Like pyserini's analyzer tests, these pin the exact terms: a change of stemmer, stopword list
or tokenizer shows up here before it shows up as a missed answer in Discord.
"""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from retrieval.text.analyzers import Analyzer
from retrieval.text.normalize import normalize

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


# Golden lists -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        (
            "La startup chinoise DeepSeek a révélé son modèle d’IA open source R1.",
            ["startup", "chinois", "deepseek", "revel", "model", "ia", "open", "sourc", "r1"],
        ),
        (
            "L’entreprise affirme avoir formé R1 pour un coût de seulement 5,6 millions d’euros.",
            ["entrepris", "affirm", "form", "r1", "cout", "seul", "5,6", "million", "euros"],
        ),
        (
            "Nvidia a vu ses actions baisser de 17%, évaporant 593 milliards de dollars.",
            ["nvidi", "vu", "action", "baiss", "17", "evapor", "593", "milliard", "dollar"],
        ),
        (
            "Le président français a rencontré Mistral AI aujourd’hui.",
            ["president", "francais", "rencontr", "mistral", "ia", "aujourdhui"],
        ),
        (
            "OpenAI’s GPT-5 will run on H100 chips, AI experts said.",
            ["openai", "gpt", "5", "run", "h100", "chip", "ia", "expert", "said"],
        ),
        ("How much did it cost to train DeepSeek R1?", ["cost", "train", "deepseek", "r1"]),
    ],
)
def test_sentence_analyses_to_golden_terms(analyzer: Analyzer, text: str, terms: list[str]) -> None:
    assert analyzer.terms(text) == terms


# Elisions and apostrophes -----------------------------------------------------------------

ELISIONS = ["l", "d", "qu", "n", "s", "j", "c", "m", "t", "jusqu", "lorsqu", "puisqu"]


@pytest.mark.parametrize("apostrophe", ["'", "’"], ids=["straight", "curly"])
@pytest.mark.parametrize("elision", ELISIONS)
def test_elision_is_stripped_before_the_word(analyzer: Analyzer, elision: str, apostrophe: str) -> None:
    assert analyzer.terms(f"{elision}{apostrophe}entraînement") == ["entrain"]


@pytest.mark.parametrize("apostrophe", ["'", "’"], ids=["straight", "curly"])
@pytest.mark.parametrize("elision", ["L", "D", "Qu", "Jusqu", "Lorsqu", "Puisqu"])
def test_capitalised_elision_before_a_name_is_stripped(analyzer: Analyzer, elision: str, apostrophe: str) -> None:
    assert analyzer.terms(f"{elision}{apostrophe}OpenAI") == ["openai"]


def test_straight_and_curly_apostrophes_give_the_same_terms(analyzer: Analyzer) -> None:
    curly = "Qu’il s’agisse d’OpenAI ou d’Apple, jusqu’à présent, lorsqu’on l’interroge, puisqu’il n’y a rien"
    assert analyzer.terms(curly.replace("’", "'")) == analyzer.terms(curly)
    assert analyzer.terms(curly) == ["agiss", "openai", "apple", "present", "interrog", "rien"]


def test_elided_function_words_leave_no_terms(analyzer: Analyzer) -> None:
    assert analyzer.terms("qu'il s'est n'a c'est j'ai m'a t'a lorsqu'il puisqu'elle") == []


@pytest.mark.parametrize("word", ["aujourd'hui", "aujourd’hui", "Aujourd’hui"])
def test_aujourdhui_stays_one_term(analyzer: Analyzer, word: str) -> None:
    assert analyzer.terms(word) == ["aujourdhui"]


def test_english_possessive_is_stripped(analyzer: Analyzer) -> None:
    assert analyzer.terms("Trump's") == ["trump"]
    assert analyzer.terms("OpenAI’s") == ["openai"]


# Accents and Unicode forms ----------------------------------------------------------------


def test_entrainement_with_and_without_circumflex_is_one_term(analyzer: Analyzer) -> None:
    assert analyzer.terms("entraînement") == analyzer.terms("entrainement") == ["entrain"]


def test_coute_and_cout_are_one_term(analyzer: Analyzer) -> None:
    assert analyzer.terms("coûté") == analyzer.terms("coût") == analyzer.terms("cout") == ["cout"]


def test_etats_unis_with_and_without_accent_match(analyzer: Analyzer) -> None:
    assert analyzer.terms("États-Unis") == analyzer.terms("Etats-Unis")


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("percée", "percee"),
        ("données", "donnees"),
        ("sécurité", "securite"),
        ("procès", "proces"),
        ("employés", "employes"),
        ("qualifié", "qualifie"),
    ],
)
def test_word_typed_without_accents_gives_the_same_term(analyzer: Analyzer, accented: str, plain: str) -> None:
    assert analyzer.terms(plain) == analyzer.terms(accented)


def test_ligature_oe_is_expanded(analyzer: Analyzer) -> None:
    assert analyzer.terms("l'œil") == analyzer.terms("l'oeil")


def test_decomposed_and_composed_input_give_the_same_terms(analyzer: Analyzer) -> None:
    text = "L’entraînement a coûté 5,6 millions ; l’équipe a été très créative à Hangzhou."
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text  # the test really feeds combining accents
    assert analyzer.terms(nfd) == analyzer.terms(unicodedata.normalize("NFC", text))
    assert analyzer.terms(nfd) == ["entrain", "cout", "5,6", "million", "equip", "creativ", "hangzhou"]


def test_token_offsets_point_at_their_surface_in_the_normalized_text(analyzer: Analyzer) -> None:
    text = unicodedata.normalize("NFD", "L’Europe, jusqu’à Hangzhou, a coûté GPT-5 et R1.")
    normalized = normalize(text)
    tokens = analyzer.tokens(text)
    assert [t.surface for t in tokens] == ["Europe", "Hangzhou", "coûté", "GPT", "5", "R1"]
    for token in tokens:
        assert normalized[token.start : token.end] == token.surface


# Stopwords and acronyms -------------------------------------------------------------------


def test_french_stopwords_are_removed(analyzer: Analyzer) -> None:
    assert analyzer.terms("le la les de des du et est que qui dans pour avec sur par combien") == []


def test_english_stopwords_are_removed(analyzer: Analyzer) -> None:
    assert analyzer.terms("the and of is was who what how much many does with") == []


def test_accented_stopwords_are_removed(analyzer: Analyzer) -> None:
    assert analyzer.terms("était été déjà très où à") == []


def test_all_caps_ai_is_kept_and_means_ia(analyzer: Analyzer) -> None:
    assert analyzer.terms("AI") == ["ia"]
    assert analyzer.terms("IA") == ["ia"]
    assert analyzer.terms("Mistral AI") == ["mistral", "ia"]


def test_lowercase_ai_is_the_french_verb_and_is_dropped(analyzer: Analyzer) -> None:
    assert analyzer.terms("j'ai ai") == []


def test_memoised_analysis_keeps_ai_and_ai_apart(analyzer: Analyzer) -> None:
    # The cache is keyed by surface: the verb "ai" must not inherit the acronym's term.
    assert analyzer.terms("AI ai AI ai") == ["ia", "ia"]
    assert analyzer.terms("ai AI") == ["ia"]


# Stem overrides ---------------------------------------------------------------------------


def test_openai_is_not_stemmed_to_open(analyzer: Analyzer) -> None:
    assert analyzer.terms("OpenAI") == ["openai"]
    assert "openai" not in analyzer.terms("open source")


@pytest.mark.parametrize("word", ["français", "française", "françaises", "francais"])
def test_francais_is_not_stemmed_to_franc(analyzer: Analyzer, word: str) -> None:
    assert analyzer.terms(word) == ["francais"]
    assert analyzer.terms(word) != analyzer.terms("franc")


# Numbers and alphanumerics ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("5,6", ["5,6"]),
        ("5,6 millions", ["5,6", "million"]),
        ("22,15 millions", ["22,15", "million"]),
        ("1.6 Tbps", ["1.6", "tbp"]),
        ("R1", ["r1"]),
        ("H100", ["h100"]),
        ("a16z", ["a16z"]),
        ("GPT-5", ["gpt", "5"]),
        ("2025", ["2025"]),
    ],
)
def test_numbers_and_model_names_are_kept_whole(analyzer: Analyzer, text: str, terms: list[str]) -> None:
    assert analyzer.terms(text) == terms


def test_hyphenated_words_split(analyzer: Analyzer) -> None:
    assert analyzer.terms("vision-langage-action") == analyzer.terms("vision langage action")
    assert analyzer.terms("a-t-il") == []


def test_tokens_terms_match_terms(analyzer: Analyzer) -> None:
    text = (SEEDS / "001_5b026b8465187955.txt").read_text(encoding="utf-8")
    assert [token.term for token in analyzer.tokens(text)] == analyzer.terms(text)


def test_analysis_is_the_same_from_many_threads() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))] * 4
    expected = [Analyzer().terms(text) for text in texts]
    shared = Analyzer()
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(shared.terms, texts)) == expected

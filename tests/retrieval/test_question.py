"""Question parsing: the language of the reply, the names that must be in the corpus, the
English → French bridge, and what kind of answer is wanted."""

from __future__ import annotations

import pytest

from retrieval.answer import ParsedQuestion, QuestionParser, detect_language
from retrieval.text.analyzers import Analyzers


@pytest.fixture(scope="module")
def parser() -> QuestionParser:
    return QuestionParser(Analyzers())


def concept(question: ParsedQuestion, surface: str):
    return next(c for c in question.concepts if c.surface == surface)


# Language -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Combien a coûté l'entraînement du modèle R1 de DeepSeek ?",
        "Qui est à l'origine de DeepSeek ?",
        "Que reproche Paul McCartney au gouvernement britannique ?",
        "Pour combien HP a-t-il racheté Humane ?",
        "combien coute R1",
    ],
)
def test_french_question_is_detected_as_french(text: str) -> None:
    assert detect_language(text) == "fr"


@pytest.mark.parametrize(
    "text",
    [
        "How much did it cost to train DeepSeek R1?",
        "What did Satya Nadella say about the Jevons paradox?",
        "Who is the CEO of Anthropic?",
        "Which Japanese group is part of Trump's national AI project with OpenAI?",
    ],
)
def test_english_question_is_detected_as_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["DeepSeek R1 ?", "", "5,6"])
def test_question_without_function_words_defaults_to_french(text: str) -> None:
    assert detect_language(text) == "fr"


def test_parsed_question_carries_its_language(parser: QuestionParser) -> None:
    assert parser.parse("How much did DeepSeek R1 cost?").lang == "en"
    assert parser.parse("Combien a coûté DeepSeek R1 ?").lang == "fr"


# Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Quand sortira GPT-5 ?", ("GPT-5",)),
        ("Combien coûte un abonnement Netflix ?", ("Netflix",)),
        ("Qui est Satya Nadella ?", ("Satya", "Nadella")),
        ("Combien a coûté l'entraînement du modèle R1 de DeepSeek ?", ("R1", "DeepSeek")),
        ("Quel montant la start-up Spore.bio a-t-elle levé ?", ("Spore.bio",)),
        ("When was High-Flyer founded?", ("High-Flyer",)),
        ("DeepSeek est-il open source ?", ("DeepSeek",)),
    ],
)
def test_names_are_extracted(parser: QuestionParser, text: str, names: tuple[str, ...]) -> None:
    assert parser.parse(text).names == names


@pytest.mark.parametrize(
    "text",
    ["Qui est Satya Nadella ?", "Quand sortira GPT-5 ?", "Combien coûte Netflix ?", "Pourquoi DeepSeek inquiète ?"],
)
def test_capitalised_first_word_is_not_a_name(parser: QuestionParser, text: str) -> None:
    first = text.split()[0]
    assert first not in parser.parse(text).names


def test_lowercase_words_are_not_names(parser: QuestionParser) -> None:
    assert parser.parse("combien a coûté le modèle chinois ?").names == ()


def test_repeated_name_is_listed_once(parser: QuestionParser) -> None:
    assert parser.parse("Pourquoi DeepSeek inquiète, et DeepSeek R1 surtout ?").names == ("DeepSeek", "R1")


@pytest.mark.parametrize("text", ["Google prévoit-il d'investir dans l'IA ?", "Netflix a-t-il un PDG ?"])
def test_capitalised_opening_word_is_kept_as_a_possible_name(parser: QuestionParser, text: str) -> None:
    assert parser.parse(text).opening_word == text.split()[0]


@pytest.mark.parametrize("text", ["Explique-moi la percée de DeepSeek", "Combien a coûté R1 ?", "Tell me about Nvidia"])
def test_question_openers_are_not_possible_names(parser: QuestionParser, text: str) -> None:
    assert parser.parse(text).opening_word is None


# Concepts and the English glossary ----------------------------------------------------------


def test_french_question_concepts_are_its_content_words(parser: QuestionParser) -> None:
    question = parser.parse("Combien a coûté l'entraînement du modèle R1 de DeepSeek ?")
    assert [c.surface for c in question.concepts] == ["coûté", "entraînement", "modèle", "R1", "DeepSeek"]
    assert concept(question, "entraînement").alternatives[0] == "entrain"


def test_english_cost_reaches_french_cout(parser: QuestionParser) -> None:
    question = parser.parse("How much did it cost to train DeepSeek R1?")
    assert "cout" in concept(question, "cost").alternatives
    assert "cout" in question.query_terms()


def test_english_train_reaches_french_entrainement(parser: QuestionParser) -> None:
    question = parser.parse("How much did it cost to train DeepSeek R1?")
    assert "entrain" in concept(question, "train").alternatives


def test_english_inflected_word_reaches_the_glossary_by_its_stem(parser: QuestionParser) -> None:
    assert "cout" in parser.translations("costs")
    assert "invest" in " ".join(parser.translations("invested"))


def test_french_question_is_not_sent_through_the_english_glossary(parser: QuestionParser) -> None:
    question = parser.parse("Quel est le budget de DeepSeek ?")
    assert concept(question, "budget").alternatives == ("budget",)


def test_names_are_not_translated(parser: QuestionParser) -> None:
    assert parser.translations("Netflix") == ()


def test_stopword_only_question_has_no_concepts(parser: QuestionParser) -> None:
    assert parser.parse("est-ce que c'est ?").concepts == ()
    assert parser.parse("What is it?").concepts == ()


# Answer type and focus ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer_type"),
    [
        ("Combien Microsoft prévoit-il d'investir ?", "number"),
        ("How many users does ChatGPT have?", "number"),
        ("Quand sortira GPT-5 ?", "date"),
        ("En quelle année High-Flyer a-t-il été fondé ?", "date"),
        ("When was High-Flyer founded?", "date"),
        ("Qui est à l'origine de DeepSeek ?", "entity"),
        ("Quelle entreprise a racheté Humane ?", "entity"),
        ("Who is the CEO of OpenAI?", "entity"),
        ("Que reproche Paul McCartney au gouvernement britannique ?", None),
    ],
)
def test_interrogative_sets_the_kind_of_answer(parser: QuestionParser, text: str, answer_type: str | None) -> None:
    assert parser.parse(text).answer_type == answer_type


@pytest.mark.parametrize(
    ("text", "focus"),
    [
        ("Combien d'habitants compte Hangzhou ?", "habitants"),
        ("Combien d’habitants compte Hangzhou ?", "habitants"),
        ("Combien de téléchargements compte Le Chat ?", "téléchargements"),
        ("How many users does ChatGPT have?", "users"),
    ],
)
def test_what_is_counted_becomes_the_focus(parser: QuestionParser, text: str, focus: str) -> None:
    parsed = parser.parse(text)
    assert parsed.focus is not None
    assert parsed.focus.surface == focus
    assert parsed.focus in parsed.concepts


@pytest.mark.parametrize(
    ("text", "attribute"),
    [
        ("Quel est le salaire de Sam Altman ?", "salaire"),
        ("Quelle est la valorisation de Safe SuperIntelligence ?", "valorisation"),
        ("What is the price of ChatGPT?", "price"),
    ],
)
def test_the_attribute_asked_for_is_known_but_is_not_a_focus(parser: QuestionParser, text: str, attribute: str) -> None:
    # Required in the quote, "quel est le nom" would refuse every "s'appelle" answer: the
    # fitted models weigh its absence instead.
    parsed = parser.parse(text)
    assert parsed.focus is None
    assert parsed.attribute is not None and parsed.attribute.surface == attribute


@pytest.mark.parametrize(("text", "number"), [("Qui était le 3eme comte ?", "3e"), ("Au XIXe siècle ?", "19e")])
def test_ordinals_are_not_names(parser: QuestionParser, text: str, number: str) -> None:
    parsed = parser.parse(text)
    assert not parsed.names
    assert number in parsed.query_terms()


@pytest.mark.parametrize(
    ("text", "focus"),
    [("Combien de salariés a DeepSeek ?", "salariés"), ("Combien d'employés a DeepSeek ?", "employés")],
)
def test_accented_asked_for_word_becomes_the_focus(parser: QuestionParser, text: str, focus: str) -> None:
    parsed = parser.parse(text)
    assert parsed.focus is not None
    assert parsed.focus.surface == focus


@pytest.mark.parametrize(
    "text",
    [
        "Combien Microsoft prévoit-il d'investir dans l'IA cette année ?",
        "Quelle entreprise chinoise va investir près de 50 milliards d'euros dans l'IA ?",
        "Qui est à l'origine de DeepSeek ?",
    ],
)
def test_question_without_an_asked_for_word_has_no_focus(parser: QuestionParser, text: str) -> None:
    assert parser.parse(text).focus is None


def test_question_text_is_normalized(parser: QuestionParser) -> None:
    assert parser.parse("  Combien d’habitants ?  ").text == "Combien d'habitants ?"


# Chat around the question -------------------------------------------------------------------

PLAIN = "Combien a coûté l'entraînement de DeepSeek R1 ?"


@pytest.mark.parametrize(
    "text",
    [
        PLAIN + " merci",
        PLAIN + " Merci !",
        "Bonjour, " + PLAIN,
        "Hey, " + PLAIN,
        "Combien a coûté l'entraînement de DeepSeek R1, s'il te plaît ?",
        "Combien a coûté l'entraînement de DeepSeek R1 svp ?",
        "Dis-moi combien a coûté l'entraînement de DeepSeek R1 ?",
        PLAIN.upper(),
        "@everyone " + PLAIN,
        "<@123456789> " + PLAIN + " <@&42>",
        "**Combien** a coûté l'entraînement de `DeepSeek R1` ?",
        "Combien a coûté l'entraînement de [DeepSeek R1](https://example.org/r1) ? <https://example.org>",
    ],
)
def test_greetings_thanks_mentions_and_markup_do_not_change_what_is_asked(parser: QuestionParser, text: str) -> None:
    plain, chatty = parser.parse(PLAIN), parser.parse(text)
    assert [c.alternatives for c in chatty.concepts] == [c.alternatives for c in plain.concepts]
    assert chatty.answer_type == plain.answer_type == "number"
    # No new name (a shouted question loses the capitals that mark names, not its words).
    assert {n.lower() for n in chatty.names} <= {n.lower() for n in plain.names}


def test_thanks_in_english_is_not_a_name(parser: QuestionParser) -> None:
    question = parser.parse("Hi! How much did it cost to train DeepSeek R1? Thanks")
    assert "Thanks" not in question.names and "Hi" not in question.names
    assert question.opening_word is None


@pytest.mark.parametrize(
    ("text", "name"),
    [("Combien de sièges a gagné le SVP ?", "SVP"), ("What did Salut Capital raise?", "Salut")],
)
def test_a_name_spelt_like_a_politeness_word_stays_a_name(parser: QuestionParser, text: str, name: str) -> None:
    question = parser.parse(text)
    assert name in question.names
    assert any(c.surface == name for c in question.concepts)

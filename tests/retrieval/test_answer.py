"""The answers users read: verbatim quotes from the seed articles, or a plain abstention.

One engine is built on the shipped seeds for the whole module, exactly as the bot builds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from retrieval.answer import MAX_CITATIONS, QUOTE_LIMIT, Answer, Citation, QuestionContext
from retrieval.answer.compose import gather_candidates
from retrieval.answer.features import LocalWeights
from retrieval.answer.quotes import make_quote
from retrieval.corpus import load_corpus
from retrieval.corpus.cleaning import is_boilerplate
from retrieval.corpus.passages import iter_blocks, split_passages
from retrieval.engine import MAX_QUESTION_CHARS, Engine
from retrieval.records import Article, Span
from retrieval.text.normalize import fold_accents

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
DATA = ROOT / "tests" / "data"

GOLD = [
    json.loads(line)
    for name in ("dev.jsonl", "dev-more.jsonl")
    for line in (DATA / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]
ANSWERABLE = [row for row in GOLD if row.get("answerable", True)]
UNANSWERABLE = [row for row in GOLD if not row.get("answerable", True)]

EXTRA_QUESTIONS = [
    "Combien a coûté l'entraînement de DeepSeek R1 ?",
    "How much did it cost to train DeepSeek R1?",
    "How much did DeepSeek R1 cost?",
    "Qui est à l'origine de DeepSeek ?",
    "Who founded DeepSeek?",
    "What did Sam Altman say about DeepSeek?",
    "Qu'a dit Elon Musk de DeepSeek ?",
    "Combien d'utilisateurs actifs quotidiens a DeepSeek ?",
    "Quelle est la valeur boursière perdue par Nvidia ?",
    "Combien Meta va-t-il dépenser en infrastructures IA en 2025 ?",
    "Que pense Yann LeCun de l'open source ?",
    "Quand le fonds QuantumLight a-t-il été fondé ?",
    "Quel est le montant investi par Apple aux Etats-Unis ?",
    "Combien de téléchargements pour Le Chat ?",
    "DeepSeek R1 5,6 millions",
    "coût DeepSeek",
    "Nvidia",
    "Elon Musk",
    "Yann LeCun",
    "Méta",
    "Spore.bio",
    "Spore.bio Humane HP millions dollars",
    "Articles récents ?",
    "Réagir",
    "Laisser un commentaire",
    "open source",
    "a" * MAX_QUESTION_CHARS,
]
ALL_QUESTIONS = [row["q"] for row in GOLD] + EXTRA_QUESTIONS


@pytest.fixture(scope="module")
def engine() -> Engine:
    result = load_corpus(SEEDS)
    assert not result.failures
    passages = [p for article in result.articles for p in split_passages(article)]
    return Engine(result.articles, passages)


def quote_core(quote: str) -> str:
    """The quote without the "…" that mark where it was cut."""
    core = quote.removeprefix("…")
    return core.removesuffix("…") if core.endswith("…") else core


def quote_span(citation: Citation) -> tuple[int, int]:
    core = quote_core(citation.quote)
    start = citation.article.text.find(core)
    assert start >= 0, citation.quote
    return start, start + len(core)


def heading_ranges(article: Article) -> list[tuple[int, int]]:
    return [(b.start, b.end) for b in iter_blocks(article.text) if b.kind == "heading"]


def cited_paths(answer: Answer) -> list[str]:
    return [c.article.path for c in answer.citations]


# Quotes are verbatim -------------------------------------------------------------------------


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_every_quote_is_verbatim_from_its_article(engine: Engine, question: str) -> None:
    for citation in engine.answer(question).citations:
        assert quote_core(citation.quote) in citation.article.text, citation.quote


def test_every_seed_sentence_asked_back_is_quoted_verbatim(engine: Engine) -> None:
    asked = 0
    for passage in engine.passages:
        text = engine.articles[passage.article_path].text
        for span in passage.sentences:
            answer = engine.answer(text[span.start : span.end][:MAX_QUESTION_CHARS])
            for citation in answer.citations:
                assert quote_core(citation.quote) in citation.article.text, citation.quote
                assert len(citation.quote) <= QUOTE_LIMIT + 1
            asked += 1
    assert asked > 100


def test_cut_quote_marks_the_cut_with_an_ellipsis() -> None:
    text = (
        "Le conseil municipal de Quimper, réuni lundi soir dans la grande salle de la mairie, "
        + "a débattu longuement des travaux de voirie du centre-ville, " * 6
        + "puis a voté un budget de 12 millions d'euros pour la nouvelle piscine."
    )
    article = Article(path="c/quimper.txt", title="Quimper", text=text, content_hash="x")
    answer = Engine([article], split_passages(article)).answer("Quel budget a été voté pour la nouvelle piscine ?")
    quote = answer.citations[0].quote
    assert len(text) > QUOTE_LIMIT and len(quote) <= QUOTE_LIMIT + 1
    assert "…" in quote and "piscine" in quote
    assert quote_core(quote) in text


def test_cut_quote_uses_the_room_left_beside_the_matched_clause() -> None:
    """The clauses that match the question are short and the next one is too long to add
    whole: the quote goes on word by word into it, where the answer stands."""
    text = (
        "Le nouveau pont de Quimperlé a coûté, selon la préfecture, 48 millions d'euros aux contribuables"
        + " après des années de retards de chantier et de recours devant le tribunal administratif" * 4
        + "."
    )
    article = Article(path="c/pont.txt", title="Pont", text=text, content_hash="x")
    engine = Engine([article], split_passages(article))
    sentences = engine.passages[0].sentences
    quote = make_quote(text, sentences, engine.parser.parse("Combien a coûté le pont de Quimperlé ?"), engine.terms)
    assert len(text) > QUOTE_LIMIT and len(quote) <= QUOTE_LIMIT
    assert quote.startswith("Le nouveau pont") and "48 millions d'euros" in quote and quote.endswith("…")
    assert quote_core(quote) in text


def test_a_quote_widens_into_the_next_paragraph_but_never_into_a_list() -> None:
    """News paragraphs are often one sentence: the one after the match says who."""
    text = (
        "La mairie de Quimper a choisi l'architecte du nouveau pont.\n"
        "Il s'agit de Jeanne Martin, connue pour ses passerelles.\n"
        "- Le chantier durera deux ans.\n"
    )
    article = Article(path="c/pont.txt", title="Pont", text=text, content_hash="x")
    engine = Engine([article], split_passages(article))
    question = engine.parser.parse("Quel architecte la mairie de Quimper a-t-elle choisi ?")
    first = engine.passages[0].sentences[0]
    quote = make_quote(text, (first,), question, engine.terms, Span(0, len(text)))
    assert "Jeanne Martin" in quote and "chantier" not in quote and "- " not in quote
    assert quote_core(quote) in text


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_quotes_are_at_most_about_300_characters(engine: Engine, question: str) -> None:
    for citation in engine.answer(question).citations:
        assert len(citation.quote) <= QUOTE_LIMIT + 1, citation.quote


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_at_most_three_citations_from_distinct_articles(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    paths = cited_paths(answer)
    assert len(paths) <= MAX_CITATIONS
    assert len(set(paths)) == len(paths)
    also = [a.path for c in answer.citations for a in c.also]
    assert len(set(also)) == len(also)
    assert not set(also) & set(paths)


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_answered_means_at_least_one_citation(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert answer.answered == bool(answer.citations)
    assert (answer.reason is None) == answer.answered


# Headings and boilerplate are never quoted ---------------------------------------------------

HEADING_QUESTIONS = [
    "Nvidia",
    "Satya Nadella",
    "Que dit Nvidia ?",
    "Yann LeCun",
    "Openai",
    "Elon Musk",
    "Des réactions contrastées dans l’industrie",
    "Une réussite malgré les sanctions américaines",
    "Une opportunité pour l’écosystème mondial de l’IA",
    "Un succès auprès du grand public",
    "Trump favorable à un accord avec Oracle pour l’acquisition de TikTok?",
    "Paul McCartney dénonce un « Far West » numérique lié à l’IA",
    "Andreessen Horowitz ferme son bureau londonien",
    "L'image de la semaine",
    "Dans l'actu",
    "Et aussi",
]


@pytest.mark.parametrize("question", HEADING_QUESTIONS + ALL_QUESTIONS)
def test_headings_are_never_quoted(engine: Engine, question: str) -> None:
    for citation in engine.answer(question).citations:
        start, end = quote_span(citation)
        for h_start, h_end in heading_ranges(citation.article):
            assert end <= h_start or start >= h_end, (citation.quote, citation.article.text[h_start:h_end])


BOILERPLATE_QUESTIONS = [
    "Articles récents",
    "spot_img",
    "4 × cinq =",
    "Tous les champs sont obligatoires",
    "Quitter la version mobile",
    "Recevez les nouvelles du jour dans votre boîte de réception",
    "Toutes les semaines, recevez l'essentiel de l'actu de l'IA",
    "LAISSER UN COMMENTAIRE",
    "S'il vous plaît entrez votre commentaire!",
    "0Commentaire",
    "Réagir",
    "Comment recevoir les nouvelles du jour ?",
]


@pytest.mark.parametrize("question", BOILERPLATE_QUESTIONS)
def test_boilerplate_is_never_quoted(engine: Engine, question: str) -> None:
    for citation in engine.answer(question).citations:
        for line in citation.quote.split("\n"):
            assert not is_boilerplate(line), citation.quote
        folded = fold_accents(citation.quote.lower())
        for phrase in ("spot_img", "recevez", "champs sont obligatoires", "version mobile", "entrez votre"):
            assert phrase not in folded, citation.quote


# Answers ---------------------------------------------------------------------------------------
# The dev sets as a whole are held at floors by tests/test_quality.py (the fitted models
# answer 10 of dev.jsonl's 12 with the expected quote); these are behaviours one question shows.


def test_same_fact_in_other_articles_is_listed_as_also_reported(engine: Engine) -> None:
    answer = engine.answer("Combien a coûté l'entraînement du modèle R1 de DeepSeek ?")
    assert answer.answered
    also = [article for citation in answer.citations for article in citation.also]
    assert also, [c.quote for c in answer.citations]
    for article in also:
        assert "5,6 millions" in article.text
    assert any("5,6 millions" in c.quote for c in answer.citations)


def test_english_question_is_answered_from_french_text(engine: Engine) -> None:
    answer = engine.answer("How much did it cost to train DeepSeek R1?")
    assert answer.answered
    assert answer.lang == "en"
    assert "5,6 millions" in answer.citations[0].quote


def test_reply_language_can_be_overridden(engine: Engine) -> None:
    assert engine.answer("Combien a coûté DeepSeek R1 ?", lang="en").lang == "en"
    assert engine.answer("Combien a coûté DeepSeek R1 ?").lang == "fr"


def test_two_sentence_windows_bring_the_name_stated_just_before(engine: Engine) -> None:
    # "… un autre acteur chinois accélère dans le secteur : Alibaba." then "Le géant du cloud …
    # va investir près de 50 milliards d'euros": the pair is a candidate quote.
    parsed = engine.parser.parse("Quelle entreprise chinoise va investir près de 50 milliards d'euros dans l'IA ?")
    context = QuestionContext.build(engine, parsed)
    candidates = gather_candidates(engine, context, engine.search(context.query_terms()))
    texts = [engine.articles[c.article_path].text[c.sentences[0].start : c.sentences[-1].end] for c in candidates]
    assert any("Alibaba" in text and "50 milliards" in text for text in texts)


def test_a_word_in_every_retrieved_sentence_weighs_less_than_a_rare_one(engine: Engine) -> None:
    # Among sentences that all say "Alger", the one that also says "dey" is the one to quote.
    parsed = engine.parser.parse("Quel dey a gouverné Alger ?")
    context = QuestionContext.build(engine, parsed)
    everywhere = 1 << next(i for i, c in enumerate(context.concepts) if c.surface == "Alger")
    rare = 1 << next(i for i, c in enumerate(context.concepts) if c.surface == "dey")
    masks = [everywhere, everywhere, everywhere | rare, everywhere]
    local = LocalWeights.from_masks(context, {("a.txt", start): mask for start, mask in enumerate(masks)})
    assert local.coverage(rare)[0] > local.coverage(everywhere)[0]
    every = (1 << len(context.concepts)) - 1
    assert local.coverage(every) == pytest.approx((1.0, 1.0))


# Abstentions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Quand sortira GPT-5 ?", "GPT-5"),
        ("Combien coûte un abonnement Netflix ?", "Netflix"),
        ("Combien Google a-t-il investi dans l'intelligence artificielle en 2025 ?", "Google"),
        ("Who is the CEO of Anthropic?", "Anthropic"),
    ],
)
def test_unknown_name_abstains(engine: Engine, question: str, name: str) -> None:
    answer = engine.answer(question)
    assert not answer.answered
    assert answer.reason == "unknown_name"
    assert answer.detail == name
    assert answer.citations == ()


def test_known_name_in_lowercase_does_not_abstain_as_unknown(engine: Engine) -> None:
    assert engine.answer("Combien a coûté deepseek r1 ?").reason != "unknown_name"


@pytest.mark.parametrize("question", ["est-ce que c'est ?", "What is it?", "Et aussi ?", "qui ? quoi ? comment ?"])
def test_stopword_only_question_abstains(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert not answer.answered
    assert answer.reason == "empty"


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "?!"])
def test_empty_question_abstains(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert not answer.answered
    assert answer.reason == "empty"


def test_question_over_500_characters_is_refused(engine: Engine) -> None:
    question = ("Combien a coûté l'entraînement du modèle R1 de DeepSeek ? " * 10)[: MAX_QUESTION_CHARS + 1]
    assert len(question) == MAX_QUESTION_CHARS + 1
    answer = engine.answer(question)
    assert not answer.answered
    assert answer.reason == "too_long"


def test_question_of_exactly_500_characters_is_not_refused(engine: Engine) -> None:
    base = "Combien a coûté l'entraînement du modèle R1 de DeepSeek"
    question = base + " " + "x" * (MAX_QUESTION_CHARS - len(base) - 3) + " ?"
    assert len(question) == MAX_QUESTION_CHARS
    assert engine.answer(question).reason != "too_long"
    assert engine.answer(question + "?").reason == "too_long"


def test_surrounding_whitespace_does_not_count_towards_the_limit(engine: Engine) -> None:
    question = " " * 600 + "Combien a coûté l'entraînement du modèle R1 de DeepSeek ?" + " " * 600
    assert engine.answer(question).answered


def test_words_outside_the_corpus_find_no_passage(engine: Engine) -> None:
    parsed = engine.parser.parse("zorglub flimflam schtroumpf ?")
    assert parsed.query_terms()
    assert engine.search(parsed.query_terms()) == []
    answer = engine.answer("zorglub flimflam schtroumpf ?")
    assert not answer.answered
    assert answer.reason == "no_match"


def test_search_without_terms_finds_nothing(engine: Engine) -> None:
    assert engine.search([]) == []


def test_search_returns_ranked_passages(engine: Engine) -> None:
    hits = engine.search(engine.parser.parse("Spore.bio lève 23 millions").query_terms(), k=5)
    assert 0 < len(hits) <= 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    top = engine.passages[hits[0].passage_index]
    assert top.article_path.startswith("seeds/000_")


@pytest.mark.parametrize(
    "question",
    ["Combien d'habitants compte Hangzhou ?", "Quel est le salaire du PDG de Nvidia ?"],
)
def test_asked_for_word_absent_from_the_corpus_abstains(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert not answer.answered
    assert answer.reason == "weak"


def test_question_about_one_company_is_not_answered_about_another(engine: Engine) -> None:
    # OpenAI's former employees are in the corpus; DeepSeek's head count is not.
    answer = engine.answer("Combien d'employés a DeepSeek ?")
    assert not answer.answered


def test_empty_corpus_abstains_instead_of_failing() -> None:
    empty = Engine([], [])
    assert len(empty) == 0
    answer = empty.answer("combien a coûté le modèle chinois ?")
    assert not answer.answered
    assert answer.reason == "no_match"


# Regressions: defects found by these tests and since fixed ---------------------------------


@pytest.mark.parametrize("question", ["Spore.bio Humane HP millions dollars", "New York Times Spore.bio"])
def test_quote_over_list_items_carries_no_bullet(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert answer.answered
    for citation in answer.citations:
        assert not re.search(r"(^|\n)\s*[-•*]\s", citation.quote), citation.quote


@pytest.mark.parametrize(
    "question",
    ["Google prévoit-il d'investir dans l'IA ?"],
)
def test_unknown_name_opening_the_question_abstains(engine: Engine, question: str) -> None:
    answer = engine.answer(question)
    assert not answer.answered
    assert answer.reason == "unknown_name"


def test_question_naming_a_sub_heading_person_is_answered_from_that_section(engine: Engine) -> None:
    answer = engine.answer("Qu'a déclaré Satya Nadella ?")
    assert answer.answered
    assert answer.citations[0].article.path.startswith("seeds/003_")
    assert "Le PDG de Microsoft a déclaré" in answer.citations[0].quote


def test_question_typed_without_accents_finds_the_same_answer(engine: Engine) -> None:
    accented = engine.answer("Qui a qualifié DeepSeek de percée impressionnante ?")
    assert accented.answered
    plain = engine.answer("Qui a qualifie DeepSeek de percee impressionnante ?")
    assert plain.answered
    assert plain.citations[0].quote == accented.citations[0].quote


def test_every_citation_for_a_number_question_holds_a_number(engine: Engine) -> None:
    # "quatre «salles de guerre»" is a number word, not the cost asked for: it must not be cited.
    answer = engine.answer("Combien a coûté l'entraînement de DeepSeek R1 ?")
    assert answer.answered
    for citation in answer.citations:
        assert re.search(r"(?<!\w)\d+(?:[.,]\d+)?(?!\w)", citation.quote), citation.quote


@pytest.mark.parametrize(
    "chatty",
    [
        "Bonjour ! Combien a coûté l'entraînement de DeepSeek R1 ? Merci !",
        "@everyone **combien** a coûté l'entraînement de [DeepSeek R1](https://example.org) svp",
        "COMBIEN A COÛTÉ L'ENTRAÎNEMENT DE DEEPSEEK R1 ?",
    ],
)
def test_a_polite_or_marked_up_question_gets_the_plain_questions_answer(engine: Engine, chatty: str) -> None:
    plain = engine.answer("Combien a coûté l'entraînement de DeepSeek R1 ?")
    answer = engine.answer(chatty)
    assert plain.answered and answer.answered
    assert answer.citations[0].quote == plain.citations[0].quote

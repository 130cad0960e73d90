"""Boilerplate removal: page chrome must never reach the text the bot quotes, and article
sentences must never be thrown away with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.corpus.cleaning import is_boilerplate
from retrieval.records import Article
from retrieval.text.normalize import fold_for_matching

SEEDS = Path(__file__).resolve().parents[3] / "seeds"

BOILERPLATE_LINES = [
    "Articles récents",
    "Articles connexes",
    "spot_img",
    "4 × cinq =",
    "Tous les champs sont obligatoires",
    "Quitter la version mobile",
    "Recevez les nouvelles du jour dans votre boîte de réception",
    "Toutes les semaines, recevez l'essentiel de l'actu de l'IA",
    "LAISSER UN COMMENTAIRE",
    "Laisser un commentaire",
    "S'il vous plaît entrez votre commentaire!",
    "S’il vous plaît entrez votre nom ici",
    "0Commentaire",
    "Réagir",
    "0",
]


@pytest.fixture(scope="module")
def seed_articles() -> list[Article]:
    result = load_corpus(SEEDS)
    assert not result.failures
    assert len(result.articles) == 5
    return result.articles


@pytest.mark.parametrize("line", BOILERPLATE_LINES)
def test_boilerplate_line_is_recognised(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", ["", "   ", "\u00a0"])
def test_blank_line_is_not_article_text(line: str) -> None:
    assert is_boilerplate(line)


def test_boilerplate_is_recognised_whatever_the_case_and_spacing() -> None:
    assert is_boilerplate("  tous   les CHAMPS sont obligatoires  ")
    assert is_boilerplate("QUITTER LA VERSION MOBILE")
    assert is_boilerplate("12 commentaires")


@pytest.mark.parametrize(
    "line",
    [
        "ChatGPT compte désormais 400 millions d’utilisateurs hebdomadaires.",
        "Bien qu’il n’ait rien publié sur l’entreprise sur sa propre plate-forme X, qu’il possède, "
        "il a répondu aux commentaires des autres utilisateurs.",
        "Musk a répondu à l’allégation par un mot: «évidemment».",
        "La percée de DeepSeek pousse Meta à réagir rapidement.",
        "Tous les champs de la recherche sont concernés par l’IA.",
        "Nvidia",
        "Satya Nadella",
        "2025 sera l’année de l’IA.",
        "- Spore.bio lève 23 millions de dollars pour sa solution de détection de bactéries en usine",
    ],
)
def test_article_line_is_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


@pytest.mark.parametrize("boilerplate", BOILERPLATE_LINES)
def test_no_boilerplate_line_survives_in_any_seed(seed_articles: list[Article], boilerplate: str) -> None:
    for article in seed_articles:
        lines = [fold_for_matching(line) for line in article.text.split("\n")]
        assert fold_for_matching(boilerplate) not in lines, article.path


def test_no_seed_line_is_boilerplate_after_cleaning(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        for line in article.text.split("\n"):
            assert not is_boilerplate(line), (article.path, line)


def test_newsletter_and_comment_phrases_are_gone_from_seed_text(seed_articles: list[Article]) -> None:
    for article in seed_articles:
        folded = fold_for_matching(article.text)
        for phrase in ("spot_img", "recevez", "champs sont obligatoires", "version mobile", "commentaire!", "× cinq"):
            assert phrase not in folded, (article.path, phrase)


@pytest.mark.parametrize(
    ("seed", "sentence"),
    [
        ("000", "ChatGPT compte désormais 400 millions d’utilisateurs hebdomadaires."),
        ("000", "- Droit d'auteur et IA générative : Thomson Reuters gagne un procès contre Ross Intelligence"),
        ("001", "Fondé en 2022, le fonds de 200 millions de dollars utilise un algorithme"),
        ("001", "Andreessen Horowitz (a16z), l’un des plus grands fonds de capital-risque au monde"),
        ("002", "DeepSeek affirme avoir entraîné l’un de ses modèles pour seulement 5,6 millions de dollars"),
        ("002", "sont en train de redéfinir les règles du jeu."),
        ("003", "Le PDG de l’entreprise, Jensen Huang, n’a pas commenté publiquement."),
        ("003", "ce qui n’était pas l’intention d’origine."),
        ("004", "son coût de développement : seulement 5,6 millions de dollars"),
        ("004", "illustrant une dynamique où innovation et géopolitique se mêlent intimement."),
    ],
)
def test_article_sentences_are_kept(seed_articles: list[Article], seed: str, sentence: str) -> None:
    article = next(a for a in seed_articles if a.path.startswith(f"seeds/{seed}_"))
    assert sentence in article.text


def test_sentence_mentioning_comments_is_kept(seed_articles: list[Article]) -> None:
    article = next(a for a in seed_articles if a.path.startswith("seeds/003_"))
    assert "il a répondu aux commentaires des autres utilisateurs." in article.text

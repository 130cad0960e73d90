"""The fixed sentences the bot says around its quotes, in French and English.

Nothing here is generated: the composer fills these templates with verbatim quotes and
article metadata. The language follows the question (or the Discord locale when known).
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("fr", "en")


@dataclass(frozen=True, slots=True)
class Templates:
    intro: str
    intro_single: str
    abstain: str
    empty_question: str
    too_long: str
    unknown_name: str
    date_unknown: str
    also_reported: str
    no_articles: str
    headlines_title: str
    sources_title: str


TEMPLATES: dict[str, Templates] = {
    "fr": Templates(
        intro="D'après les articles :",
        intro_single="D'après l'article :",
        abstain=(
            "Je ne trouve pas la réponse dans les articles dont je dispose. "
            "Tapez `/headlines` pour voir les sujets couverts."
        ),
        empty_question=(
            "Posez-moi une question sur l'actualité, par exemple : "
            "« Combien a coûté l'entraînement de DeepSeek R1 ? »"
        ),
        too_long=(
            "Votre question est trop longue ({length} caractères) : "
            "posez-la en moins de {limit} caractères."
        ),
        unknown_name=(
            "Les articles dont je dispose ne parlent pas de {name}. "
            "Tapez `/headlines` pour voir les sujets couverts."
        ),
        date_unknown="date inconnue",
        also_reported="Également rapporté par : {sources}",
        no_articles="Aucun article n'est chargé pour l'instant.",
        headlines_title="Derniers articles :",
        sources_title="Sources ({count} articles) :",
    ),
    "en": Templates(
        intro="From the articles:",
        intro_single="From the article:",
        abstain=(
            "I can't find the answer in the news articles I have. "
            "Type `/headlines` to see what they cover."
        ),
        empty_question=(
            "Ask me a question about the news, for example: "
            "“How much did DeepSeek R1 cost to train?”"
        ),
        too_long=(
            "Your question is too long ({length} characters): "
            "please ask it in under {limit} characters."
        ),
        unknown_name=(
            "The news articles I have don't mention {name}. "
            "Type `/headlines` to see what they cover."
        ),
        date_unknown="date unknown",
        also_reported="Also reported by: {sources}",
        no_articles="No articles are loaded yet.",
        headlines_title="Latest articles:",
        sources_title="Sources ({count} articles):",
    ),
}


def templates_for(lang: str) -> Templates:
    """The templates of ``lang`` ("fr"/"en", or a Discord locale like "en-US"), French by default."""
    return TEMPLATES.get(lang.split("-")[0].lower(), TEMPLATES["fr"])

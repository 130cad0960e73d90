"""Web-page boilerplate that must never be quoted as an answer.

Scraped news articles carry comment forms, newsletter sign-ups, share widgets, captchas and
"related articles" blocks. Naive BM25 quoted "Recevez les nouvelles du jour dans votre boîte
de réception" as an answer; these line patterns remove such lines before sentence splitting.
Patterns are matched on the accent-folded, lowercased, whitespace-collapsed line
(:func:`~retrieval.text.normalize.fold_for_matching`).
"""

from __future__ import annotations

import re

from ..text.normalize import fold_for_matching

_PATTERNS: tuple[str, ...] = (
    # Comment forms.
    r"(laisser|laissez|ajouter|poster) (un|votre) commentaire!?",
    r"\d*\s*commentaires?",
    r"reagir",
    r"repondre",
    r"tous les champs sont obligatoires.*",
    r"les champs obligatoires sont indiques.*",
    r"votre adresse (e-?mail|de messagerie) ne sera pas publiee.*",
    r"s'il vous plait,? entrez votre .*",
    r"(nom|e-?mail|site web|commentaire)\s*\*?",
    r"enregistrer mon nom.*",
    # Newsletter sign-ups.
    r"(inscrivez-vous|abonnez-vous|je m'abonne|s'abonner|s'inscrire)( a (la|notre) newsletter)?.*",
    r"(newsletter|lettre d'information)",
    r"votre (adresse )?e-?mail",
    # Navigation and related-article blocks.
    r"(articles?|posts?) (recents?|connexes|similaires|populaires|lies)",
    r"(a lire aussi|lire aussi|sur le meme sujet|vous aimerez aussi|plus d'articles|voir aussi)\s*:?",
    r"spot_img",
    r"quitter la version mobile",
    r"(aller|passer) au contenu( principal)?",
    r"(menu|rechercher|recherche|accueil|fermer|retour en haut)",
    # Share and reaction widgets, counters.
    r"(partager|partagez|share|tweet|tweeter|facebook|twitter|linkedin|whatsapp|pinterest|telegram|"
    r"reddit|imprimer|copier le lien|e-?mail|j'aime|like)(\s*(sur|on)?\s*\w*)?",
    r"\d+",
    # Captchas ("4 × cinq =", "sept + 2 =").
    r"[\w]+\s*[×x*+\-]\s*[\w]+\s*=\s*\w*",
)
_ANYWHERE: tuple[str, ...] = (
    # Newsletter sign-ups.
    r"\brecevez\b.*\b(actu|actualites?|newsletter|nouvelles|essentiel|boite de reception)\b",
    # Cookie banners.
    r"\b(nous utilisons des cookies|accepter les cookies|gerer les cookies)\b",
)
"""Patterns that make a line boilerplate wherever they occur in it. Searched for rather than
matched as ``.*pattern.*`` against the whole line: the leading ``.*`` made the regex engine
try every split of every long paragraph."""
_BOILERPLATE = re.compile(r"(?:" + "|".join(_PATTERNS) + r")")
_BOILERPLATE_ANYWHERE = re.compile("|".join(_ANYWHERE))


def is_boilerplate(line: str) -> bool:
    """Whether a whole line is page chrome rather than article text."""
    folded = fold_for_matching(line)
    return not folded or bool(_BOILERPLATE.fullmatch(folded) or _BOILERPLATE_ANYWHERE.search(folded))

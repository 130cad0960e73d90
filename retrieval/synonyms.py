"""French paraphrase groups for news questions.

People rarely ask with the article's own words: "qui est à l'origine de X" when the article
says "le créateur de X", "piloter" for "contrôler", "perdre" for "s'évaporer". Each group
below lists words that a question may use for the same idea; any member found in a sentence
counts as finding the question's word (query expansion with a hand-kept thesaurus, as search
engines do with synonym filters). Groups are symmetric and kept small and unambiguous: a word
whose stem collides with an unrelated one ("fondé" → "fond", like "fonds") stays out.
"""

from __future__ import annotations

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("origine", "créateur", "fondateur", "fondatrice", "créatrice"),
    ("piloter", "contrôler", "commander"),
    ("décrire", "qualifier", "décrit", "qualifié"),
    ("perdre", "perdu", "perte", "évaporer", "chuter", "chute"),
    ("coûter", "coût", "prix"),
    ("valeur", "valorisation", "capitalisation"),
    ("montant", "somme"),
    ("lever", "levée", "financement"),
    ("gagner", "remporter"),
    ("patron", "pdg", "dirigeant"),
    ("entreprise", "société", "firme"),
    ("racheter", "rachat", "acquérir", "acquisition"),
    ("investir", "investissement"),
    ("dépenser", "dépenses"),
    ("accuser", "reprocher", "alléguer", "allégation", "accusation"),
    ("dénoncer", "critiquer", "reprocher"),
    ("déclarer", "affirmer", "dire", "indiquer"),
    ("voix", "vocal", "vocale"),
    ("télécharger", "téléchargement"),
    ("interdire", "interdiction", "bannir", "bannissement"),
    ("puce", "semi-conducteur", "processeur"),
    ("usine", "fabrication"),
    ("salarié", "employé"),
    ("lancer", "lancement", "dévoiler", "présenter"),
    ("publier", "publication", "révéler"),
    ("concurrent", "rival", "rivaliser"),
    ("inquiétude", "crainte", "peur"),
    ("bourse", "boursier", "boursière"),
    ("robot", "robotique"),
    ("américain", "états-unis"),
    ("chinois", "chine"),
    ("européen", "europe"),
    ("britannique", "royaume-uni"),
    ("japonais", "japon"),
)

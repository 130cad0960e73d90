"""Understand a question well enough to retrieve, quote and know when to abstain.

A question becomes *concepts*: each content word with the index terms that count as a match
for it (its own French-analysed term, plus French glossary terms when the question is
English). It also yields the names it mentions (capitalised words past the first, or words
mixing letters and digits such as "GPT-5"): a question about a name the corpus never
contains cannot be answered from it, whatever else matches. Finally, the interrogative
tells what kind of answer is wanted (a number, a date, a name), and "combien de X" / "how
many X" names a *focus* X that the quoted sentence must mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..glossary import GLOSSARY
from ..lexicon.stopwords import ENGLISH, FRENCH
from ..synonyms import SYNONYM_GROUPS
from ..text.analyzers import Analyzer, ThreadLocalStemmer, ordinal
from ..text.normalize import fold_accents, normalize

_EN_ONLY = ENGLISH - FRENCH
_FR_ONLY = FRENCH - ENGLISH
_NAME_RE = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")
NUMBER = re.compile(r"(?<!\w)\d+(?:[.,]\d+)?(?!\w)")
"""A standalone number ("5,6", "2015"), not the digit of a name ("R1", "H100")."""
_FRENCH_LETTERS = re.compile(r"[àâçéèêëîïôûùüÿœ]", re.I)

_ENTITY_NOUNS = (
    "entreprise|societe|firme|start-?up|application|appli|marque|groupe|fonds|modele|pays|ville|"
    "geant|personne|patron|dirigeant|media|journal|banque|produit|plateforme|outil|organisation|"
    "laboratoire|universite|chanteur|artiste|voix|region|"
    "company|firm|group|app|application|brand|fund|model|country|city|giant|person|boss|leader|"
    "newspaper|bank|product|platform|tool|organisation|organization|lab|university|artist|voice|region"
)
"""Nouns naming a kind of thing: "quelle entreprise …" is answered by a name."""

_ANSWER_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(r"^(quand|depuis quand|en quelle annee|quelle annee|a quelle date|quelle date|when|what year|which year|in what year)\b")),
    ("date", re.compile(r"\b(en quelle annee|quelle annee|quelle date|what year|which year)\b")),
    ("number", re.compile(r"\b(combien|quel montant|quelle somme|quel prix|quel debit|quel chiffre|quelle valeur|quel nombre|how much|how many|what amount|what price)\b")),
    # "Quelle entreprise", "quel pays", "which city": the answer is a name. "Quel budget" or
    # "quel est le salaire" ask for an amount or an attribute, not a name.
    ("entity", re.compile(rf"^(qui|who|(?:dans |en )?quel(?:le)?s? (?:{_ENTITY_NOUNS})|(?:in )?which (?:{_ENTITY_NOUNS}))\b")),
    ("entity", re.compile(r"\b(qui est|qui a|qui pense|who is|who was|who said)\b")),
)
_WHERE = re.compile(r"(?:^|\W)(?:où|where)\b")
"""Asked before folding: folded, "où" is "ou" ("or")."""
_FOCUS = re.compile(r"\b(?:combien d'|combien de |how many )(\w+)")
"""The things counted: "combien d'habitants". A quote that never says "habitants" does not
answer (measured harmless on the shared sets, unlike the attribute below as a rule)."""
_ATTRIBUTE = re.compile(
    r"\b(?:quel(?:le)?s? (?:est|sont|etait|etaient|sera) (?:le |la |les |l')|what (?:is|was|are|were) the )(\w+)"
)
"""The attribute asked for: "quel est le salaire", "what is the price". Often paraphrased
("quel est le nom" → "s'appelle"), so its absence is a signal for the fitted models only."""
COMMON_OPENERS = frozenset(
    """
    explique expliquez dis dites donne donnez raconte racontez resume resumez cite citez liste
    listez parle parlez peux pouvez pourrais pourriez sais savez connais connaissez montre
    montrez trouve trouvez cherche cherchez precise precisez selon est-ce bonjour salut hello
    hi hey svp stp merci alors ok okay
    tell give explain list describe summarize summarise show find can could would please
    why say thanks
    """.split()
)
"""Words that open a question without naming anything ("Explique …", "Tell me …")."""
_ADVERBIAL_FOCUS = frozenset({"fois", "temps", "times", "time"})
"""'combien de fois', 'how many times': a count, not a thing the answer must name."""


@dataclass(frozen=True, slots=True)
class Concept:
    """One content word of the question and the index terms that count as finding it."""

    surface: str
    alternatives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedQuestion:
    text: str
    lang: str
    """"fr" or "en": the template language, unless the caller overrides it."""
    concepts: tuple[Concept, ...]
    names: tuple[str, ...]
    """Names the question mentions, as written, e.g. ("GPT-5", "Netflix")."""
    answer_type: str | None
    """"number", "date", "entity" or None."""
    focus: Concept | None
    opening_word: str | None = None
    """A capitalised first word that may be a name ("Google prévoit …") or just the start of
    the sentence ("Explique …"); the composer treats it as a name only if the corpus has
    neither the word nor its stem."""
    numbers: frozenset[str] = frozenset()
    """The numbers the question states itself ("en 2024"): a quote must bring another one
    to count as answering "combien"."""
    attribute: Concept | None = None
    """"quel est le salaire": the attribute asked for (see ``_ATTRIBUTE``)."""

    def query_terms(self) -> list[str]:
        """Terms to send to BM25: every alternative of every concept."""
        return [term for concept in self.concepts for term in concept.alternatives]


def detect_language(text: str) -> str:
    """"en" when English function words outnumber French ones, else "fr" (the corpus language)."""
    words = re.findall(r"[^\W\d_]+", fold_accents(normalize(text).lower()))
    english = sum(word in _EN_ONLY for word in words)
    french = sum(word in _FR_ONLY for word in words) + len(_FRENCH_LETTERS.findall(text))
    return "en" if english > french else "fr"


class QuestionParser:
    """Parses questions with the corpus analyzer (and an English stemmer for the glossary)."""

    def __init__(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        self._english = ThreadLocalStemmer("english")
        self._glossary = self._build_glossary()
        self._synonyms = self._build_synonyms()

    def _build_glossary(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for english, french in GLOSSARY.items():
            terms = tuple(dict.fromkeys(t for phrase in french for t in self._analyzer.terms(phrase)))
            table[english] = terms
            table.setdefault(self._english.stem(english), terms)
        return table

    def _build_synonyms(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for group in SYNONYM_GROUPS:
            terms = tuple(dict.fromkeys(t for word in group for t in self._analyzer.terms(word)))
            for term in terms:
                table[term] = tuple(dict.fromkeys(table.get(term, ()) + terms))
        return table

    def translations(self, surface: str) -> tuple[str, ...]:
        """French index terms for an English word, or () when the glossary lacks it."""
        lowered = surface.lower()
        return self._glossary.get(lowered) or self._glossary.get(self._english.stem(lowered), ())

    def parse(self, text: str) -> ParsedQuestion:
        text = normalize(text).strip()
        lang = detect_language(text)
        concepts: dict[tuple[str, ...], Concept] = {}
        for token in self._analyzer.tokens(text):
            alternatives = [token.term]
            if lang == "en":
                alternatives += self.translations(token.surface)
            for term in list(alternatives):
                alternatives += self._synonyms.get(term, ())
            key = tuple(dict.fromkeys(alternatives))
            concepts.setdefault(key, Concept(token.surface, key))
        folded = fold_accents(text.lower())
        answer_type = next((kind for kind, pattern in _ANSWER_TYPES if pattern.search(folded)), None)
        if answer_type is None and _WHERE.search(text.lower()):
            answer_type = "entity"  # a place: a name
        focus = self._concept_named(_FOCUS.search(folded), concepts.values())
        attribute = self._concept_named(_ATTRIBUTE.search(folded), concepts.values())
        names = self._names(text)
        return ParsedQuestion(
            text, lang, tuple(concepts.values()), names, answer_type, focus, self._opening_word(text, names),
            frozenset(NUMBER.findall(text)), attribute,
        )

    def _concept_named(self, match: re.Match[str] | None, concepts: Iterable[Concept]) -> Concept | None:
        if match is None or match.group(1) in _ADVERBIAL_FOCUS:
            return None
        term = self._analyzer.term(match.group(1))
        return next((c for c in concepts if term in c.alternatives), None)

    def _opening_word(self, text: str, names: tuple[str, ...]) -> str | None:
        first = _NAME_RE.match(text.lstrip("¿¡\"«“ "))
        if first is None:
            return None
        word = first.group().strip(".")
        lowered = fold_accents(word.lower())
        if (
            not word[:1].isupper()
            or word in names
            or self._analyzer.is_stopword(word)
            or lowered.split("-")[0] in COMMON_OPENERS  # "Explique-moi", "Dis-moi"
            or self.translations(word)
        ):
            return None
        return word

    def _names(self, text: str) -> tuple[str, ...]:
        names = []
        for index, match in enumerate(_NAME_RE.finditer(text)):
            word = match.group().strip(".")
            has_digit = any(c.isdigit() for c in word)
            has_alpha = any(c.isalpha() for c in word)
            capitalised = word[:1].isupper()
            inner_capital = any(c.isupper() for c in word[1:])
            if not has_alpha or len(word) < 2 or ordinal(word) is not None:
                continue  # "XIXe", "10ème": an ordinal, not a name
            if self._analyzer.is_stopword(word) and not word.isupper():
                continue
            if (has_digit and has_alpha) or inner_capital or (capitalised and index > 0):
                names.append(word)
        return tuple(dict.fromkeys(names))

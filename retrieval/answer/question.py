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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..lexicon import phrase_groups, phrase_table, word_set
from ..text.analyzers import Analyzer, Analyzers, ThreadLocalStemmer, ordinal
from ..text.language import Language, detect_language
from ..text.normalize import WORD_RE, fold_accents, normalize

NUMBER = re.compile(r"(?<!\w)\d+(?:[.,]\d+)?(?!\w)")
"""A standalone number ("5,6", "2015"), not the digit of a name ("R1", "H100")."""

_ENTITY_NOUNS = (
    "entreprise|societe|firme|start-?up|application|appli|marque|groupe|fonds|modele|pays|ville|"
    "geant|personne|patron|dirigeant|media|journal|banque|produit|plateforme|outil|organisation|"
    "laboratoire|universite|chanteur|artiste|voix|region|"
    "company|firm|group|app|application|brand|fund|model|country|city|giant|person|boss|leader|"
    "newspaper|bank|product|platform|tool|organisation|organization|lab|university|artist|voice|region"
)
"""Nouns naming a kind of thing: "quelle entreprise …" is answered by a name."""

_ANSWER_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "date",
        re.compile(
            r"^(quand|depuis quand|en quelle annee|quelle annee|a quelle date|quelle date|when|what year|which year|in what year)\b"
        ),
    ),
    ("date", re.compile(r"\b(en quelle annee|quelle annee|quelle date|what year|which year)\b")),
    (
        "number",
        re.compile(
            r"\b(combien|quel montant|quelle somme|quel prix|quel debit|quel chiffre|quelle valeur|quel nombre|how much|how many|what amount|what price)\b"
        ),
    ),
    # "Quelle entreprise", "quel pays", "which city": the answer is a name. "Quel budget" or
    # "quel est le salaire" ask for an amount or an attribute, not a name.
    (
        "entity",
        re.compile(rf"^(qui|who|(?:dans |en )?quel(?:le)?s? (?:{_ENTITY_NOUNS})|(?:in )?which (?:{_ENTITY_NOUNS}))\b"),
    ),
    ("entity", re.compile(r"\b(qui est|qui a|qui pense|who is|who was|who said)\b")),
)
GLOSSARY_FILE = "glossary.en-fr.txt"
SYNONYMS_FILE = "synonyms.fr.txt"
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
COMMON_OPENERS = word_set("openers.txt")
"""Words that open a request without naming anything ("Explique …", "Tell me …")."""
CHAT_WORDS = word_set("chat.txt")
"""Politeness around a question ("Bonjour", "merci", "s'il te plaît", "thanks")."""
_CHAT_MARKUP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\[([^\]\n]+)\]\(\s*<?https?://[^)\s]*>?\s*\)"), r"\1"),  # [text](url): its text
    (re.compile(r"<?\bhttps?://[^\s>]+>?"), " "),  # a bare link names a page, not what is asked
    (re.compile(r"<a?:\w+:\d+>|<(?:@[!&]?|#)\d+>"), " "),  # custom emoji, user, role and channel mentions
    (re.compile(r"(?<![\w@])@(?:everyone|here)\b"), " "),
    (
        re.compile(r"\*\*|__|~~|\|\||`+|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)"),
        "",
    ),  # bold, underline, strike, spoiler, code, italics
)
"""Chat markup around the words of a question (masked links, mentions, emphasis)."""
_SHOUTED_LETTERS = 12
"""A question this long in letters, nearly all capitals, is shouted: its capitals say nothing
about which words are names."""


def is_chat_word(text: str, word: str, start: int, end: int) -> bool:
    """Whether ``word`` (at ``text[start:end]``) is politeness around the question: in lower
    case anywhere ("… merci"), capitalised only where a greeting or a thanks stands — first,
    or before punctuation or the end ("Bonjour, …", "Hi! …", "… Merci !") — and never in
    capitals ("SVP" is a party) or inside a name ("Salut Capital")."""
    if fold_accents(word.lower()) not in CHAT_WORDS or (word.isupper() and len(word) > 1):
        return False
    if word.islower():
        return True
    after = text[end:].lstrip()
    return not text[:start].strip() or not after or not after[0].isalnum()


def question_text(text: str) -> str:
    """The words of a chat message as a question: markup removed (links keep their text,
    mentions and emphasis go), and a shouted question lowered, so that "**Combien** a coûté
    [DeepSeek R1](https://…) ? @everyone" asks what "Combien a coûté DeepSeek R1 ?" asks."""
    for pattern, replacement in _CHAT_MARKUP:
        text = pattern.sub(replacement, text)
    letters = [char for char in text if char.isalpha()]
    if len(letters) >= _SHOUTED_LETTERS and sum(char.isupper() for char in letters) >= 0.8 * len(letters):
        text = text.lower()
    return " ".join(text.split())


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


class QuestionParser:
    """Parses a question in its own language, reaching the corpus's other languages too.

    Each word is analysed by the question language's analyzer; where the corpus holds
    articles in the other language, the same word analysed in that language is an
    alternative as well (names, numbers and shared words then meet), and an English
    question reaches French articles through the glossary. The French thesaurus adds its
    paraphrases to French terms.
    """

    def __init__(
        self,
        analyzers: Analyzers | None = None,
        corpus_languages: Iterable[Language] = (Language.FRENCH,),
        *,
        glossary: Mapping[str, tuple[str, ...]] | None = None,
        synonyms: Iterable[tuple[str, ...]] | None = None,
    ) -> None:
        """``glossary`` and ``synonyms`` replace the shipped word lists (to measure them)."""
        self._analyzers = analyzers or Analyzers()
        self._languages = frozenset(corpus_languages) or frozenset({Language.FRENCH})
        self._french = self._analyzers.of(Language.FRENCH)
        self._english = ThreadLocalStemmer("english")
        glossary = phrase_table(GLOSSARY_FILE) if glossary is None else glossary
        self._glossary = self._build_glossary(glossary) if Language.FRENCH in self._languages else {}
        self._synonyms = self._build_synonyms(phrase_groups(SYNONYMS_FILE) if synonyms is None else synonyms)

    def _build_glossary(self, glossary: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for english, french in glossary.items():
            terms = tuple(dict.fromkeys(t for phrase in french for t in self._french.terms(phrase)))
            table[english] = terms
            table.setdefault(self._english.stem(english), terms)
        return table

    def _build_synonyms(self, groups: Iterable[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for group in groups:
            terms = tuple(dict.fromkeys(t for word in group for t in self._french.terms(word)))
            for term in terms:
                table[term] = tuple(dict.fromkeys(table.get(term, ()) + terms))
        return table

    def translations(self, surface: str) -> tuple[str, ...]:
        """French index terms for an English word, or () when the glossary lacks it."""
        lowered = surface.lower()
        return self._glossary.get(lowered) or self._glossary.get(self._english.stem(lowered), ())

    def _alternatives(self, surface: str, term: str, lang: Language) -> tuple[str, ...]:
        alternatives = [term]
        for other in sorted(self._languages - {lang}):
            alternatives.append(self._analyzers.of(other).term(surface))
        if lang == Language.ENGLISH:
            alternatives += self.translations(surface)
        for alternative in list(alternatives):
            alternatives += self._synonyms.get(alternative, ())
        return tuple(dict.fromkeys(alternatives))

    def parse(self, text: str) -> ParsedQuestion:
        text = normalize(question_text(text))
        lang = detect_language(text)
        own = self._analyzers.of(lang)
        concepts: dict[tuple[str, ...], Concept] = {}
        opening = True
        for token in own.tokens(text):
            folded = fold_accents(token.surface.lower())
            chat = is_chat_word(text, token.surface, token.start, token.end)
            if chat or (opening and folded.split("-")[0] in COMMON_OPENERS):
                continue  # "Bonjour, dis-moi …", "… merci": no article is about them
            opening = False
            key = self._alternatives(token.surface, token.term, lang)
            concepts.setdefault(key, Concept(token.surface, key))
        folded = fold_accents(text.lower())
        answer_type = next((kind for kind, pattern in _ANSWER_TYPES if pattern.search(folded)), None)
        if answer_type is None and _WHERE.search(text.lower()):
            answer_type = "entity"  # a place: a name
        focus = self._concept_named(_FOCUS.search(folded), concepts.values(), own)
        attribute = self._concept_named(_ATTRIBUTE.search(folded), concepts.values(), own)
        names = self._names(text)
        return ParsedQuestion(
            text,
            lang.value,
            tuple(concepts.values()),
            names,
            answer_type,
            focus,
            self._opening_word(text, names),
            frozenset(NUMBER.findall(text)),
            attribute,
        )

    def _concept_named(
        self, match: re.Match[str] | None, concepts: Iterable[Concept], analyzer: Analyzer
    ) -> Concept | None:
        if match is None or match.group(1) in _ADVERBIAL_FOCUS:
            return None
        term = analyzer.term(match.group(1))
        return next((c for c in concepts if term in c.alternatives), None)

    def _opening_word(self, text: str, names: tuple[str, ...]) -> str | None:
        first = WORD_RE.match(text.lstrip('¿¡"«“ '))
        if first is None:
            return None
        word = first.group().strip(".")
        lowered = fold_accents(word.lower())
        if (
            not word[:1].isupper()
            or word in names
            or self._french.is_stopword(word)
            or lowered.split("-")[0] in COMMON_OPENERS  # "Explique-moi", "Dis-moi"
            or lowered in CHAT_WORDS
            or self.translations(word)
        ):
            return None
        return word

    def _names(self, text: str) -> tuple[str, ...]:
        names = []
        for index, match in enumerate(WORD_RE.finditer(text)):
            word = match.group().strip(".")
            has_digit = any(c.isdigit() for c in word)
            has_alpha = any(c.isalpha() for c in word)
            capitalised = word[:1].isupper()
            inner_capital = any(c.isupper() for c in word[1:])
            if not has_alpha or len(word) < 2 or ordinal(word) is not None:
                continue  # "XIXe", "10ème": an ordinal, not a name
            if (self._french.is_stopword(word) and not word.isupper()) or is_chat_word(
                text, word, match.start(), match.end()
            ):
                continue
            if (has_digit and has_alpha) or inner_capital or (capitalised and index > 0):
                names.append(word)
        return tuple(dict.fromkeys(names))

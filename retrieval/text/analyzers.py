"""The one analyzer used for passages and for questions.

Pipeline (each step exists because of a retrieval failure it prevents):

1. Unicode NFC, so a composed "é" and "e" + combining accent are the same character.
2. Every apostrophe form (', ’, ‘, ʼ, `) becomes one; "aujourd'hui" is kept as one word
   (split, its halves matched unrelated sentences). Steps 1-2 and the accent folding of
   step 6 are :mod:`retrieval.text.normalize`, shared with the cleaner and the evaluation.
3. Tokens are runs of letters and digits ("R1", "H100"), or numbers with their decimal part
   ("5,6", "1,6"); hyphenated words split ("a-t-il" → "a", "t", "il").
4. French elisions (l', d', qu', jusqu', …) and English clitics ('s, n't) are stripped.
5. Lowercase; stopwords (French and English) removed — all-caps acronyms such as "AI" are
   kept, they are not the French verb form "ai".
6. Accent folding, so "entraînement"/"entrainement" and "coûté"/"cout" meet, and a question
   typed without accents ("percee", "donnees") finds the accented text.
7. Ordinals in any common spelling ("10ème", "10e", "Xe", "10th") become one term ("10e").
8. Snowball stemming (PyStemmer) of the folded word, except for words in a small override
   list whose stems collide with unrelated words ("openai" → "open", "français" → "franc").
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import Stemmer

from ..lexicon import stopwords
from .language import Language
from .normalize import fold_accents, normalize

ELISIONS: frozenset[str] = frozenset(
    {"l", "d", "qu", "n", "s", "j", "c", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
"""French elided articles/pronouns: "l'entraînement" → "entraînement"."""

ENGLISH_CLITICS: frozenset[str] = frozenset({"s", "t", "re", "ve", "ll", "d", "m"})
"""English endings after an apostrophe: "Trump's" → "Trump", "don't" → "don"."""

JOINED_WORDS: frozenset[str] = frozenset({"aujourd'hui", "prud'homme", "prud'hommes"})
"""Words whose apostrophe is not an elision; they stay one token ("aujourdhui")."""

STEM_OVERRIDES: dict[str, str] = {
    # Snowball French collapses these onto unrelated stems: "openai" → "open" (matches
    # "open source"), "français" → "franc" (the currency). Map them to their own stems.
    "openai": "openai",
    "francais": "francais",
    "francaise": "francais",
    "francaises": "francais",
}

ACRONYM_SYNONYMS: dict[str, str] = {"ai": "ia"}
"""English "AI" and French "IA" are the same term in tech news."""

_ARABIC_ORDINAL = re.compile(r"(\d{1,4})(?:e|er|ere|re|eme|ieme|nd|nde|st|th|rd)", re.I)
_ROMAN_ORDINAL = re.compile(r"([IVXLC]+)(?:e|er|ere|re|eme|ème|ième|ieme)")
_ROMAN_VALID = re.compile(r"C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def ordinal(surface: str) -> int | None:
    """The number of an ordinal as people write it: "10ème", "10e", "1ère", "2nd", "4th",
    and roman ones in capitals, "XIXe", "Ier". Otherwise None."""
    folded = fold_accents(surface)
    match = _ARABIC_ORDINAL.fullmatch(folded)
    if match:
        return int(match.group(1))
    match = _ROMAN_ORDINAL.fullmatch(surface)
    if not match or not _ROMAN_VALID.fullmatch(match.group(1)):
        return None
    values = [_ROMAN_VALUES[c] for c in match.group(1)]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*", re.UNICODE)
_UNSEEN = object()


class ThreadLocalStemmer:
    """A Snowball stemmer per thread: PyStemmer objects are not thread-safe, and one analyzer
    serves the index-building thread and the question threads at once."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._local = threading.local()

    def stem(self, word: str) -> str:
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = Stemmer.Stemmer(self.language)
        stem: str = stemmer.stemWord(word)  # PyStemmer ships no type information
        return stem


@dataclass(frozen=True, slots=True)
class Token:
    """A surface word with its analyzed term, kept together so the composer can tell
    proper nouns (capitalised surface) and numbers from ordinary words."""

    surface: str
    term: str
    start: int
    end: int


def iter_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(word, start, end)`` after elision/clitic stripping, in ``normalize``d text."""
    for match in _TOKEN_RE.finditer(text):
        word, start = match.group(), match.start()
        if "'" in word:
            lowered = word.lower()
            if lowered in JOINED_WORDS:
                yield word.replace("'", ""), start, match.end()
                continue
            parts = word.split("'")
            # Strip leading elisions ("qu'il" → "il", "jusqu'à" → "à").
            while len(parts) > 1 and parts[0].lower() in ELISIONS:
                start += len(parts[0]) + 1
                parts = parts[1:]
            # Strip a trailing English clitic ("OpenAI's" → "OpenAI").
            if len(parts) > 1 and parts[-1].lower() in ENGLISH_CLITICS:
                parts = parts[:-1]
            for part in parts:
                yield part, start, start + len(part)
                start += len(part) + 1
        else:
            yield word, start, match.end()


class Analyzer:
    """Turns text into index terms; the same instance analyses passages and questions.

    One analyzer may be shared by the index-building thread and the question threads: the
    stemmer is per thread and the word cache is a dict (atomic updates under the GIL).
    """

    CACHE_LIMIT = 500_000
    """Distinct surface words remembered; news vocabulary is Zipfian, so nearly every word
    of a large corpus is analysed once and then looked up, which spares indexing most of
    its analysis work."""

    def __init__(self, language: str = "french") -> None:
        self.language = language
        self._french = language == "french"
        self._stemmer = ThreadLocalStemmer(language)
        self._stop = stopwords.FRENCH | stopwords.ENGLISH
        self._cache: dict[str, str | None] = {}

    def is_stopword(self, surface: str) -> bool:
        """Whether a surface word is a stopword (acronyms in capitals never are)."""
        if surface.isupper() and len(surface) > 1:
            return False
        return fold_accents(surface.lower()) in self._stop

    def term(self, surface: str) -> str:
        """The index term of one non-stopword surface word."""
        number = ordinal(surface)
        if number is not None:
            return f"{number}e"  # "10ème", "10e", "Xe" and "10th" are one term
        lowered = surface.lower()
        if surface.isupper() and lowered in ACRONYM_SYNONYMS:
            return ACRONYM_SYNONYMS[lowered]
        folded = fold_accents(lowered)
        if folded in STEM_OVERRIDES:
            return STEM_OVERRIDES[folded]
        if len(lowered) <= 3 or any(char.isdigit() for char in lowered):
            return folded
        # Stem the folded word: people type questions without accents ("percee", "donnees"),
        # and Snowball stems accented and unaccented spellings differently. Folding turns the
        # feminine participle "-ée(s)" into "-ee(s)", which Snowball no longer recognises;
        # "-e(s)" is stemmed like the accented form ("téléchargée" → "telecharg").
        if self._french and (folded.endswith("ee") or folded.endswith("ees")):
            folded = folded[:-2] + folded[-1] if folded.endswith("ees") else folded[:-1]
        return self._stemmer.stem(folded)

    def tokens(self, text: str) -> list[Token]:
        """Analysed tokens with their offsets in ``normalize(text)``."""
        out: list[Token] = []
        for word, start, end in iter_words(normalize(text)):
            term = self._analyse(word)
            if term is not None:
                out.append(Token(word, term, start, end))
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text``, in order, repeats kept (BM25 counts them).

        The hot path of indexing and of quoting (every sentence near a retrieved passage),
        so it skips what :func:`iter_words` does for offsets: only words with an apostrophe
        go through it, and a known word is one dict lookup.
        """
        cache, analyse = self._cache, self._analyse
        words = _TOKEN_RE.findall(normalize(text))
        if not any("'" in word for word in words):
            # The common case, every word seen before: one C-level pass of lookups.
            known = list(map(cache.get, words, itertools.repeat(_UNSEEN)))
            if _UNSEEN not in known:
                return [term for term in known if term is not None]  # type: ignore[misc]  # str or None here
        terms: list[str] = []
        for word in words:
            for part in (word,) if "'" not in word else [part for part, _, _ in iter_words(word)]:
                term = cache.get(part, _UNSEEN)
                if term is _UNSEEN:
                    term = analyse(part)
                if term is not None:
                    terms.append(term)  # type: ignore[arg-type]  # a str: _UNSEEN was replaced above
        return terms

    def _analyse(self, surface: str) -> str | None:
        """The term of a surface word, or None for a stopword (memoised)."""
        try:
            return self._cache[surface]
        except KeyError:
            pass
        term = None if self.is_stopword(surface) else self.term(surface)
        if len(self._cache) < self.CACHE_LIMIT:
            self._cache[surface] = term
        return term


class Analyzers:
    """One analyzer per language, shared by everything that analyses text: passages are
    analysed in their article's language, questions in their own."""

    def __init__(self) -> None:
        self._by_language = {language: Analyzer(language.snowball) for language in Language}

    def of(self, language: str) -> Analyzer:
        return self._by_language[Language(language)]

    def terms(self, text: str, language: str) -> list[str]:
        return self.of(language).terms(text)

"""The character-level normal forms every other step compares text in.

One implementation, because two spellings of the same word must meet wherever text is
compared: the analyzer (passages against questions), the cleaner (a line against the
boilerplate patterns, a body line against the headline) and the evaluation (a quote against
the expected answer). When each folded apostrophes its own way, a typographic "‘" matched
in one place and not in the other.
"""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = "’ʼ‘`"
"""Every apostrophe-like character news text uses, folded to the ASCII one: French prose
writes "l’IA", keyboards "l'IA", and some sites the modifier letter or a backtick."""

_COMBINING = re.compile(r"[\u0300-\u036f]")

WORD_RE = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")
"""A word as written, hyphens and dots kept inside it ("High-Flyer", "Spore.bio", "GPT-5")."""


def nfc(text: str) -> str:
    """Unicode NFC, so a composed "é" and "e" + combining accent are the same character."""
    return unicodedata.normalize("NFC", text)


def fold_apostrophes(text: str) -> str:
    """Every form in :data:`APOSTROPHES` as ``'``.

    One ``str.replace`` per form present rather than ``str.translate``: translate looks
    every character up in a table, forty times slower on a sentence, and this runs on every
    sentence indexed or quoted."""
    for form in APOSTROPHES:
        if form in text:
            text = text.replace(form, "'")
    return text


def normalize(text: str) -> str:
    """NFC and a single apostrophe form: the text every later step sees."""
    return fold_apostrophes(nfc(text))


def fold_accents(text: str) -> str:
    """Strip diacritics ("coûté" → "coute") and expand ligatures ("œ" → "oe")."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def fold_for_matching(text: str) -> str:
    """Accent-folded, lowercased, single-spaced text with one apostrophe form: the form in
    which two pieces of text are "the same line" or "contain the same phrase" whatever their
    typography."""
    return " ".join(fold_accents(fold_apostrophes(text)).lower().split())

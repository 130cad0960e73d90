"""Stopword lists for French and English, in accent-folded lowercase form.

They are compared after elision stripping and accent folding, so "était" and "etait" are the
same entry. Interrogatives ("combien", "quel", "who") are stopwords for ranking: they say what
kind of answer is wanted (see :mod:`retrieval.answer.question`), not what the answer is about.
The words live in ``stopwords.fr.txt`` and ``stopwords.en.txt`` beside this module.
"""

from __future__ import annotations

from . import word_set

FRENCH: frozenset[str] = word_set("stopwords.fr.txt")

ENGLISH: frozenset[str] = word_set("stopwords.en.txt")
"""Common English function words. "new", "open", "source" are deliberately absent:
they carry meaning in tech news ("open source")."""

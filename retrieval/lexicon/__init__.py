"""Word lists kept as data files beside this package, and the one function that reads them.

Lists of words are edited by people who read the language, not the code: as text files they
can be reviewed and extended without touching Python, and they ship as package data.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["phrase_groups", "phrase_table", "word_set"]


@cache
def word_set(name: str) -> frozenset[str]:
    """The words of the data file ``name`` (e.g. ``"stopwords.fr.txt"``) in this package:
    whitespace-separated, ``#`` starts a comment that runs to the end of the line.

    Cached: every analyzer of a process shares one set per file, read once.
    """
    text = files(__name__).joinpath(name).read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() for word in line.partition("#")[0].split())


def _lines(name: str) -> list[str]:
    text = files(__name__).joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@cache
def phrase_table(name: str) -> dict[str, tuple[str, ...]]:
    """``key: phrase | phrase …`` lines of the data file ``name``, as a dict."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _lines(name):
        key, _, phrases = line.partition(":")
        table[key.strip()] = tuple(p.strip() for p in phrases.split("|") if p.strip())
    return table


@cache
def phrase_groups(name: str) -> tuple[tuple[str, ...], ...]:
    """``phrase | phrase …`` lines of the data file ``name``: one group a line."""
    return tuple(tuple(p.strip() for p in line.split("|") if p.strip()) for line in _lines(name))

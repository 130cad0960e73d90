"""Cut a candidate into a quote short enough for a chat, verbatim, "…" where it was cut."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..corpus.passages import BULLET
from ..records import Span
from .features import QUOTE_LIMIT
from .question import ParsedQuestion
from .signals import answer_type_present

_CLAUSE_END = re.compile(r"[,;:—–]\s+|\s+[—–]\s+")


def make_quote(
    text: str,
    sentences: tuple[Span, ...],
    question: ParsedQuestion,
    terms: Callable[[str], list[str]],
    around: Span | None = None,
) -> str:
    """The window's text, verbatim, widened word by word into the sentences ``around`` it
    (see :func:`_region`) up to QUOTE_LIMIT; if the window alone is longer, the run of its
    clauses that covers the most question words (the longest such run), widened within the
    window. "…" marks each cut."""
    start, end = sentences[0].start, sentences[-1].end
    if end - start <= QUOTE_LIMIT:
        if around is None:
            return text[start:end]
        lo, hi = _region(text, around, start, end)
        return _marked(text, _widened(text, (start, end), lo, hi), lo, hi)
    cuts = [start] + [m.end() for m in _CLAUSE_END.finditer(text, start, end)]
    for span in sentences[1:]:
        cuts.append(span.start)
    cuts = sorted(set(cuts)) + [end]
    alternatives = {term for concept in question.concepts for term in concept.alternatives}
    # Cuts fall between words, so a run's terms are the union of its clauses' terms: each
    # clause is analysed once, not once for every run it belongs to.
    clause_terms = [frozenset(terms(text[a:b])) & alternatives for a, b in zip(cuts, cuts[1:], strict=False)]
    # Likewise whether each clause holds the kind of answer asked for: a run does when one of
    # its clauses does (testing every run's text instead is quadratic in regex searches).
    clause_typed = [answer_type_present(question, text[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    best: tuple[int, int] | None = None
    best_span = (start, end)
    for i in range(len(cuts) - 1):
        covered: set[str] = set()
        typed = False
        for j in range(i + 1, len(cuts)):
            if cuts[j] - cuts[i] > QUOTE_LIMIT:
                break
            covered |= clause_terms[j - 1]
            typed = typed or clause_typed[j - 1]
            # Most question words, the kind of answer asked for counting as one; then the
            # longest piece, to keep context.
            key = (len(covered) + typed, cuts[j] - cuts[i])
            if best is None or key > best:
                best, best_span = key, (cuts[i], cuts[j])
    if best is None:
        return _cut_words(text[start:end])
    return _marked(text, _widened(text, best_span, start, end), start, end)


def _region(text: str, around: Span, start: int, end: int) -> tuple[int, int]:
    """What of ``around`` a quote of ``[start, end)`` may widen into: across paragraph breaks
    (a news paragraph is often one sentence, and the next one says what this one announces),
    but not into a list: a list item is a fact of its own, quoted without its bullet."""
    first = text.rfind("\n", 0, start) + 1
    last = _line_end(text, end)
    bullet = BULLET.match(text[first:start])
    lo, hi = (first + bullet.end() if bullet else first), last
    while not bullet and lo > around.start:  # whole lines above, up to a list item
        above = text.rfind("\n", 0, lo - 1) + 1
        if BULLET.match(text[above:lo]):
            break
        lo = above
    while not bullet and hi < around.end:  # and below
        below = _line_end(text, hi + 1)
        if BULLET.match(text[hi + 1 : below]):
            break
        hi = below
    return min(max(lo, around.start), start), max(min(hi, around.end), end)


def _line_end(text: str, at: int) -> int:
    newline = text.find("\n", at)
    return len(text) if newline < 0 else newline


def _marked(text: str, span: tuple[int, int], lo: int, hi: int) -> str:
    """``text[span]`` with "…" where it starts or ends inside a sentence of ``[lo, hi)``."""
    qs, qe = span
    piece = text[qs:qe].strip().rstrip(",;:—–").rstrip()
    starts_sentence = qs <= lo or text[lo:qs].rstrip().endswith(_SENTENCE_ENDS)
    ends_sentence = qe >= hi or piece.endswith(_SENTENCE_ENDS)
    return ("" if starts_sentence else "…") + piece + ("" if ends_sentence else "…")


_SENTENCE_ENDS = (".", "!", "?", "…", "»", '"', "”")


def _widened(text: str, span: tuple[int, int], start: int, end: int) -> tuple[int, int]:
    """``span`` grown within ``[start, end)`` by whole words, forward first, until the quote
    with its two "…" reaches QUOTE_LIMIT: the answer usually stands just beside the
    question's words, and a run of whole clauses leaves the rest of the limit unused."""
    qs, qe = span
    room = QUOTE_LIMIT - len("……") - (qe - qs)
    if room > 0 and qe < end:
        limit = min(end, qe + room)
        if limit < end:  # stop at the last space that fits; none: stay where it was
            limit = max(text.rfind(" ", qe, limit + 1), qe)
        room -= limit - qe
        qe = limit
    if room > 0 and qs > start:
        limit = max(start, qs - room)
        if limit > start:
            space = text.find(" ", limit, qs)
            limit = space + 1 if space >= 0 else qs
        qs = limit
    return qs, qe


def _cut_words(text: str) -> str:
    cut = text[: QUOTE_LIMIT - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(",;:") + "…"

"""Cut a candidate into a quote short enough for a chat, verbatim, "…" where it was cut."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..records import Span
from .features import QUOTE_LIMIT, answer_type_present
from .question import ParsedQuestion

_CLAUSE_END = re.compile(r"[,;:—–]\s+|\s+[—–]\s+")


def make_quote(
    text: str, sentences: tuple[Span, ...], question: ParsedQuestion, terms: Callable[[str], list[str]]
) -> str:
    """The window's text, verbatim; if longer than QUOTE_LIMIT, the run of clauses that
    covers the most question words (the longest such run), with "…" where it was cut."""
    start, end = sentences[0].start, sentences[-1].end
    if end - start <= QUOTE_LIMIT:
        return text[start:end]
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
    qs, qe = best_span
    piece = text[qs:qe].strip().rstrip(",;:—–").rstrip()
    starts_sentence = any(span.start == qs for span in sentences)
    ends_sentence = piece.endswith((".", "!", "?", "…", "»", '"', "”"))
    return ("" if starts_sentence else "…") + piece + ("" if qe >= end or ends_sentence else "…")


def _cut_words(text: str) -> str:
    cut = text[: QUOTE_LIMIT - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(",;:") + "…"

"""Measurable signals about a question and each candidate quote, for the fitted models.

Nothing here decides: :mod:`retrieval.answer.model` weighs these numbers with weights
fitted on question sets by ``benchmarks/fit_answerer.py``. The feature lists below are the
contract between that script and the shipped weights; reordering them needs a refit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..records import Span
from ..text.normalize import fold_accents
from .candidates import PassageWindows
from .question import Concept, ParsedQuestion
from .records import Candidate, SentenceAnalysis
from .signals import holds_answer_type
from .view import CorpusView

QUOTE_LIMIT = 300
"""The longest quote, in characters: about three lines of a chat message."""

CANDIDATE_FEATURES: tuple[str, ...] = (
    "coverage",  # idf-weighted share of the question found in the window or its sub-heading
    "coverage_sentences",  # the same, in the window's own sentences only
    "coverage_context",  # the same, anywhere in the passage, its neighbours, heading or title
    "coverage_count",  # unweighted share of the question's words in the window or heading
    "coverage_squared",
    "bm25_relative",  # the passage's BM25 score over the best passage's
    "bm25_strength",  # the passage's BM25 score over what the question's words could reach
    "rank",  # log(1 + the passage's rank)
    "article_first",  # the passage's article is the best passage's
    "article_share",  # share of the retrieved passages that come from this article
    "names",  # share of the question's names found around the window
    "number_present",  # a number was asked for ("combien") and the window has a new one
    "date_present",  # a date was asked for ("quand") and the window has one
    "name_present",  # a name was asked for ("qui", "où", "quelle entreprise") and the window has one
    "type_absent",  # the kind of answer asked for is not in the window
    "focus_absent",  # "combien d'habitants": the counted word is not in the window
    "attribute_absent",  # "quel est le salaire": the attribute asked for is not in the window
    "two_sentences",
    "anaphor",  # the second sentence opens on "Il …", "Le groupe …": the first names it
    "length",  # log of the window's length in characters
    "novelty",  # share of the window's words that the question does not contain
    "title_coverage",  # share of the question found in the article's title
    "pairs",  # weighted share of the question's adjacent word pairs found adjacent in the window
    "pairs_context",  # the same, anywhere in the sentences around the passage
    "over_limit",  # the window is longer than a quote may be, so its quote will be cut
    "density",  # matched words over the stretch of words from the first match to the last
    "first_only",  # two sentences, the question's words only in the first (the answer follows)
    "second_only",  # two sentences, the question's words only in the second (the first names it)
    "coverage_local",  # coverage with each word weighed by its rarity among the retrieved sentences
    "coverage_mixed",  # coverage weighed by corpus rarity times rarity among the retrieved sentences
    "across_paragraphs",  # two sentences from two paragraphs (a paragraph break between them)
)
QUESTION_FEATURES: tuple[str, ...] = (
    "best_score",  # the ranking model's log-odds for the best candidate
    "margin",  # the best candidate's log-odds over the best candidate of another article
    "best_coverage",
    "best_context_coverage",
    "unknown_names",  # share of the question's names the corpus lacks, even spelt nearly so
    "unknown_opening",  # the capitalised first word is unknown as well
    "absent_words",  # idf-weighted share of the question's words the corpus lacks entirely
    "bm25_strength",  # the best passage's BM25 score over what the question could reach
    "concepts",  # log of the number of content words
    "missing_max",  # weight share of the heaviest question word the best candidate lacks
    "best_type_absent",
    "best_pairs",
    "best_pairs_context",
    "significance",  # idf the best window covers over log(passages): above 1, unlikely by chance
    "context_significance",  # the same, for the best window's surroundings
    "unexplained",  # idf of the question the best window leaves uncovered, over log(passages)
    "best_names",  # share of the question's names around the best window
    "best_focus_absent",  # "combien d'employés": the counted word is not in the best window
    "best_attribute_absent",  # "quel est le salaire": the attribute asked for is not in the best window
)

_ANAPHOR = re.compile(
    r"^(?:Il|Elle|Ils|Elles|He|She|They|It|The (?:company|firm|group|giant)|"
    r"(?:Le|La|Les|L'|L’|Ce|Cet|Cette|Ces) ?(?:géant|groupe|firme|entreprise|société|start-?up|"
    r"fondeur|constructeur|fabricant|laboratoire|fonds|dirigeant|patron|milliardaire|chinois|"
    r"américain|français|premier|première))\b"
)
_BM25_SATURATION = 2.5
"""rank-bm25's ``k1 + 1``: the most one occurrence of a term can add, in idf units."""


@dataclass(slots=True)
class QuestionContext:
    """A parsed question as the corpus sees it: each concept's weight, which index terms
    find which concept, and the names the corpus lacks."""

    parsed: ParsedQuestion
    concepts: tuple[Concept, ...]
    weights: tuple[float, ...]
    total: float
    term_bits: dict[str, int]
    """Index term → bit mask of the concepts it finds."""
    name_bits: int
    pair_bits: dict[str, int]
    """"first second" index-term pair → bit mask of the question's adjacent concept pairs."""
    pair_weights: tuple[float, ...]
    unknown_names: tuple[str, ...]
    unknown_opening: bool
    """The capitalised first word is unknown too (a name, or just a rare opening word)."""
    absent_share: float
    log_passages: float
    _mask_weight: dict[int, float]
    _mask_missing: dict[int, float]
    _pair_share: dict[int, float]

    @classmethod
    def build(cls, view: CorpusView, parsed: ParsedQuestion) -> QuestionContext:
        concepts = tuple(
            near for near in (_with_near_spellings(view, concept) for concept in parsed.concepts) if near is not None
        )
        weights = tuple(concept_weight(view, c) for c in concepts)
        term_bits: dict[str, int] = {}
        for i, concept in enumerate(concepts):
            for term in concept.alternatives:
                term_bits[term] = term_bits.get(term, 0) | (1 << i)
        names = {fold_accents(n.lower()) for n in parsed.names if not is_generic_acronym(n)}
        name_bits = 0
        for i, concept in enumerate(concepts):
            if fold_accents(concept.surface.lower()) in names:
                name_bits |= 1 << i
        unknown = tuple(name for name in parsed.names if not is_generic_acronym(name) and _unknown(view, name))
        opening = parsed.opening_word
        unknown_opening = opening is not None and _unknown(view, opening)
        pair_bits: dict[str, int] = {}
        for i, (first, second) in enumerate(zip(concepts, concepts[1:], strict=False)):
            for a in first.alternatives:
                for b in second.alternatives:
                    for pair in (f"{a} {b}", f"{b} {a}"):
                        pair_bits[pair] = pair_bits.get(pair, 0) | (1 << i)
        pair_weights = tuple(a + b for a, b in zip(weights, weights[1:], strict=False))
        total = sum(weights)
        absent = sum(w for c, w in zip(concepts, weights, strict=True) if not any(map(view.has_term, c.alternatives)))
        return cls(
            parsed,
            concepts,
            weights,
            total,
            term_bits,
            name_bits,
            pair_bits,
            pair_weights,
            unknown,
            unknown_opening,
            absent / total if total else 0.0,
            math.log(max(len(view.passages), 2)),
            {},
            {},
            {},
        )

    @property
    def known_names(self) -> tuple[str, ...]:
        """The question's names that the corpus has (generic acronyms aside)."""
        return tuple(n for n in self.parsed.names if n not in self.unknown_names and not is_generic_acronym(n))

    def query_terms(self) -> list[str]:
        """Terms to send to BM25: every alternative of every concept, near spellings included."""
        return [term for concept in self.concepts for term in concept.alternatives]

    def mask(self, terms: frozenset[str]) -> int:
        bits = 0
        for term in terms & self.term_bits.keys():
            bits |= self.term_bits[term]
        return bits

    def pairs(self, pairs: frozenset[str]) -> int:
        bits = 0
        for pair in pairs & self.pair_bits.keys():
            bits |= self.pair_bits[pair]
        return bits

    def pair_share(self, mask: int) -> float:
        """Weighted share of the question's adjacent concept pairs in ``mask``."""
        cached = self._pair_share.get(mask)
        if cached is None:
            cached = self._pair_share[mask] = _weighted_share(self.pair_weights, mask)
        return cached

    def missing(self, mask: int) -> float:
        """Weight share of the heaviest question word outside ``mask``."""
        cached = self._mask_missing.get(mask)
        if cached is None:
            weight = max((w for i, w in enumerate(self.weights) if not mask >> i & 1), default=0.0)
            cached = self._mask_missing[mask] = weight / self.total if self.total else 1.0
        return cached

    def coverage(self, mask: int) -> float:
        """Weighted share of the question's concepts in ``mask`` (summed in concept order,
        so the float result does not depend on set iteration order)."""
        cached = self._mask_weight.get(mask)
        if cached is None:
            cached = self._mask_weight[mask] = _weighted_share(self.weights, mask)
        return cached


@dataclass(frozen=True, slots=True)
class SentenceFacts:
    """One retrieved sentence against the question: computed once per question, though a
    sentence near two retrieved passages is in both their windows."""

    analysis: SentenceAnalysis
    mask: int
    """The question's concepts the sentence holds (bit i: concept i)."""
    pair_mask: int
    """The question's adjacent concept pairs found adjacent in the sentence."""
    typed: bool
    """The sentence holds the kind of answer asked for (a number, a date, a name)."""
    positions: tuple[int, ...]
    """Where the question's terms are in the sentence's term sequence."""

    @classmethod
    def of(cls, analysis: SentenceAnalysis, context: QuestionContext) -> SentenceFacts:
        parsed = context.parsed
        question_terms = context.term_bits
        return cls(
            analysis,
            context.mask(analysis.terms),
            context.pairs(analysis.pairs) if context.pair_bits else 0,
            parsed.answer_type is not None and holds_answer_type(parsed, analysis.signals),
            tuple(i for i, term in enumerate(analysis.sequence) if term in question_terms),
        )


@dataclass(slots=True)
class LocalWeights:
    """How rare each of the question's words is among the sentences retrieved for it.

    A word in nearly every retrieved sentence ("Algérie" in an article about Algeria) tells
    those sentences apart no better than a stopword, whatever its idf over the corpus; the
    words found in few of them point at the one that answers. Weighed like BM25's idf over
    the retrieved sentences instead of the corpus's passages.
    """

    weights: tuple[float, ...]
    mixed: tuple[float, ...]
    sentences: dict[tuple[str, int], SentenceFacts]
    """Every retrieved sentence, by (article path, sentence start)."""
    _cache: dict[int, tuple[float, float]]

    @classmethod
    def build(cls, view: CorpusView, context: QuestionContext, groups: Sequence[PassageWindows]) -> LocalWeights:
        """From every distinct sentence around the retrieved passages."""
        sentences: dict[tuple[str, int], SentenceFacts] = {}
        for group in groups:
            path = view.passages[group.hit.passage_index].article_path
            for span in group.sentences:
                key = (path, span.start)
                if key not in sentences:
                    sentences[key] = SentenceFacts.of(view.sentence(path, span), context)
        return cls.from_masks(context, {key: facts.mask for key, facts in sentences.items()}, sentences)

    @classmethod
    def from_masks(
        cls,
        context: QuestionContext,
        masks: dict[tuple[str, int], int],
        sentences: dict[tuple[str, int], SentenceFacts] | None = None,
    ) -> LocalWeights:
        """The weights from the question words in each retrieved sentence (``masks``), with
        the sentences' facts when the caller has them."""
        n = len(masks)
        counts = [sum(1 for mask in masks.values() if mask >> i & 1) for i in range(len(context.concepts))]
        local = tuple(math.log(1.0 + (n - count + 0.5) / (count + 0.5)) for count in counts)
        mixed = tuple(a * b for a, b in zip(local, context.weights, strict=True))
        return cls(local, mixed, sentences or {}, {})

    def coverage(self, mask: int) -> tuple[float, float]:
        """Shares of the local and of the mixed weight in ``mask``."""
        cached = self._cache.get(mask)
        if cached is None:
            cached = self._cache[mask] = (_weighted_share(self.weights, mask), _weighted_share(self.mixed, mask))
        return cached


def _weighted_share(weights: Sequence[float], mask: int) -> float:
    total = sum(weights)
    return sum(w for i, w in enumerate(weights) if mask >> i & 1) / total if total else 0.0


def concept_weight(view: CorpusView, concept: Concept) -> float:
    """The weight of a concept: its most discriminating alternative present in the corpus."""
    present = [view.weight(term) for term in concept.alternatives if view.has_term(term)]
    return max(present) if present else view.weight(concept.alternatives[0])


def _unknown(view: CorpusView, name: str) -> bool:
    """A name the corpus has neither as written, nor as an index term, nor spelt nearly so."""
    if view.knows_name(name) or view.closest_word(name) is not None:
        return False
    return not any(map(view.has_term, view.terms(name)))


def _with_near_spellings(view: CorpusView, concept: Concept) -> Concept | None:
    """A word the corpus lacks but has within a small edit distance ("Shangai") also finds
    the corpus's spelling ("Shanghai"); a misspelt function word ("Qaund") is dropped."""
    if any(map(view.has_term, concept.alternatives)):
        return concept
    near = view.closest_word(concept.surface)
    if near is None:
        return concept
    near_terms = view.terms(near)
    if not near_terms:
        return None
    extra = tuple(term for term in near_terms if term not in concept.alternatives)
    return Concept(concept.surface, concept.alternatives + extra) if extra else concept


def is_generic_acronym(name: str) -> bool:
    """ "IA", "AI", "PDG", "JO": all-caps words of up to three letters name a topic or a
    title rather than the subject of the question."""
    return name.isupper() and name.isalpha() and len(name) <= 3


def passage_candidates(
    view: CorpusView,
    context: QuestionContext,
    group: PassageWindows,
    top_score: float,
    article_first: bool,
    article_share: float,
    local: LocalWeights,
) -> list[Candidate]:
    """Every window of one retrieved passage, with its feature vector."""
    hit = group.hit
    passage = view.passages[hit.passage_index]
    path = passage.article_path
    text = view.articles[path].text
    parsed = context.parsed
    facts = [local.sentences[(path, span.start)] for span in group.sentences]
    sentence_terms = [f.analysis.terms for f in facts]
    masks = [f.mask for f in facts]
    pair_masks = [f.pair_mask for f in facts]
    pairs_context = context.pair_share(_union(pair_masks))
    # Whether each sentence holds the kind of answer asked for: a window does when one of
    # its sentences does (the patterns never span a sentence boundary).
    typed = [f.typed for f in facts]
    lengths = [len(f.analysis.sequence) for f in facts]
    positions = [f.positions for f in facts]
    heading = context.mask(view.heading_terms(hit.passage_index))
    title = context.mask(view.title_terms(path))
    around = heading | title | _union(masks)
    coverage_context = context.coverage(around)
    # The question's names must be around the window (its sentences, the sub-heading above,
    # or the article's title: in reference text the title names the subject).
    names = _share(context.name_bits, around)
    if names < 1.0:
        return []  # "Combien d'employés a DeepSeek ?" is not answered about OpenAI's
    n_concepts = len(context.concepts)
    bm25_relative = max(hit.score, 0.0) / top_score
    bm25_strength = min(max(hit.score, 0.0) / (context.total * _BM25_SATURATION), 2.0) if context.total else 0.0
    rank = math.log1p(group.rank)
    title_coverage = context.coverage(title)
    focus = parsed.focus
    focus_terms = frozenset(focus.alternatives) if focus is not None else frozenset()
    attribute = parsed.attribute
    attribute_terms = frozenset(attribute.alternatives) if attribute is not None else frozenset()
    question_terms = context.term_bits.keys()
    around_span = Span(group.sentences[0].start, group.sentences[-1].end)
    candidates = []
    for first, last in group.windows:
        mask = 0
        for m in masks[first:last]:
            mask |= m
        if not mask:
            continue  # a heading alone does not make its sentences an answer
        terms = frozenset().union(*sentence_terms[first:last])
        if focus is not None and (terms.isdisjoint(focus_terms) or context.name_bits & ~(mask | heading)):
            # "combien d'habitants": a quote that never says "habitants" does not answer, and
            # "combien d'employés a DeepSeek" wants DeepSeek's employees in the same quote.
            continue
        spans = group.sentences[first:last]
        length = spans[-1].end - spans[0].start
        covered = mask | heading
        coverage = context.coverage(covered)
        type_ok = any(typed[first:last])
        anaphor = last - first == 2 and bool(_ANAPHOR.match(text[spans[1].start : spans[1].end]))
        local_coverage, mixed_coverage = local.coverage(covered)
        features = [
            coverage,
            context.coverage(mask),
            coverage_context,
            bin(covered).count("1") / n_concepts,
            coverage * coverage,
            bm25_relative,
            bm25_strength,
            rank,
            float(article_first),
            article_share,
            names,
            float(type_ok and parsed.answer_type == "number"),
            float(type_ok and parsed.answer_type == "date"),
            float(type_ok and parsed.answer_type == "entity"),
            float(parsed.answer_type is not None and not type_ok),
            float(focus is not None and terms.isdisjoint(focus_terms)),
            float(attribute is not None and terms.isdisjoint(attribute_terms)),
            float(last - first == 2),
            float(anaphor),
            math.log(max(length, 1)) / math.log(300),
            len(terms - question_terms) / len(terms) if terms else 0.0,
            title_coverage,
            context.pair_share(_union(pair_masks[first:last])),
            pairs_context,
            float(length > QUOTE_LIMIT),
            _density(positions[first:last], lengths[first:last]),
            float(last - first == 2 and masks[first] != 0 and masks[first + 1] == 0),
            float(last - first == 2 and masks[first] == 0 and masks[first + 1] != 0),
            local_coverage,
            mixed_coverage,
            float(last - first == 2 and "\n" in text[spans[0].end : spans[1].start]),
        ]
        missing = context.missing(mask | heading)
        candidates.append(
            Candidate(path, hit.passage_index, spans, features, hit.score, terms, type_ok, missing, around=around_span)
        )
    return candidates


def _density(positions: Sequence[tuple[int, ...]], lengths: Sequence[int]) -> float:
    """Matched terms over the span they stretch across, in the window's term sequence."""
    offset, found = 0, []
    for sentence, length in zip(positions, lengths, strict=True):
        found += [offset + i for i in sentence]
        offset += length
    return len(found) / (found[-1] - found[0] + 1) if found else 0.0


def _union(masks: Sequence[int]) -> int:
    bits = 0
    for mask in masks:
        bits |= mask
    return bits


def _share(bits: int, found: int) -> float:
    wanted = bin(bits).count("1")
    return bin(bits & found).count("1") / wanted if wanted else 1.0


def question_features(context: QuestionContext, ranked: list[Candidate]) -> list[float]:
    """The decision model's inputs, from the ranked candidates (best first)."""
    if not ranked:
        return question_vector(context, None, 0.0, 0.0, 0.0)
    best = ranked[0]
    other = next((c for c in ranked if c.article_path != best.article_path), None)
    margin = best.score - other.score if other is not None else MAX_MARGIN
    return question_vector(context, best.features, best.missing, best.score, margin)


MAX_MARGIN = 5.0
"""Log-odds margins are capped: past this, a lead is a lead."""


def question_vector(
    context: QuestionContext, best: Sequence[float] | None, missing: float, score: float, margin: float
) -> list[float]:
    """:data:`QUESTION_FEATURES` from the best candidate's features, its missing-word
    weight, its log-odds and its margin over another article's best."""
    names = len(context.parsed.names)
    unknown = len(context.unknown_names) / names if names else 0.0
    concepts = math.log(max(len(context.concepts), 1))
    if best is None:
        return [
            -10.0,
            0.0,
            0.0,
            0.0,
            unknown,
            float(context.unknown_opening),
            context.absent_share,
            0.0,
            concepts,
            1.0,
            1.0,
            0.0,
            0.0,
            0.0,
            0.0,
            context.total / context.log_passages,
            0.0,
            1.0,
            1.0,
        ]
    return [
        score,
        min(margin, MAX_MARGIN),
        best[_COVERAGE],
        best[_CONTEXT],
        unknown,
        float(context.unknown_opening),
        context.absent_share,
        best[_STRENGTH],
        concepts,
        missing,
        best[_TYPE_ABSENT],
        best[_PAIRS],
        best[_PAIRS_CONTEXT],
        best[_COVERAGE] * context.total / context.log_passages,
        best[_CONTEXT] * context.total / context.log_passages,
        (1 - best[_COVERAGE]) * context.total / context.log_passages,
        best[_NAMES],
        best[_FOCUS_ABSENT],
        best[_ATTRIBUTE_ABSENT],
    ]


_COVERAGE = CANDIDATE_FEATURES.index("coverage")
_CONTEXT = CANDIDATE_FEATURES.index("coverage_context")
_STRENGTH = CANDIDATE_FEATURES.index("bm25_strength")
_TYPE_ABSENT = CANDIDATE_FEATURES.index("type_absent")
_PAIRS = CANDIDATE_FEATURES.index("pairs")
_NAMES = CANDIDATE_FEATURES.index("names")
_FOCUS_ABSENT = CANDIDATE_FEATURES.index("focus_absent")
_ATTRIBUTE_ABSENT = CANDIDATE_FEATURES.index("attribute_absent")
_PAIRS_CONTEXT = CANDIDATE_FEATURES.index("pairs_context")

"""The scorer behind every quality figure: what counts as a right answer."""

from __future__ import annotations

from retrieval.evaluation import contains_answer, score


def test_answer_is_found_whatever_its_case_accents_and_apostrophes() -> None:
    assert contains_answer("Le géant d’Hangzhou a levé 6 millions", ["GEANT D'HANGZHOU"])
    assert not contains_answer("Le géant a levé 6 millions", ["7 millions"])


def test_questions_without_answer_text_cap_the_quote_figure_and_say_so() -> None:
    gold = [
        {"id": "a", "q": "?", "sources": ["x.txt"], "answer_any": ["Paris"]},
        {"id": "b", "q": "?", "sources": ["x.txt"], "answer_any": []},
    ]
    cited = {"answered": True, "citations": [{"path": "corpus/x.txt", "quote": "à Paris"}]}
    scores = score(gold, [cited, cited])
    assert (scores.hit_at_1, scores.answer_at_1, scores.without_answer_text) == (2, 1, 1)
    assert "at most 50.0%" in scores.rates()

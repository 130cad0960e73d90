"""The one set of normal forms: the analyzer, the cleaner and the evaluation share them."""

from __future__ import annotations

import unicodedata

import pytest

from retrieval.text.normalize import APOSTROPHES, fold_accents, fold_for_matching, normalize


def test_fold_for_matching_folds_accents_case_apostrophes_and_spaces() -> None:
    assert fold_for_matching("  S’il   vous PLAÎT\u00a0entrez ") == "s'il vous plait entrez"


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "‘", "`"])
def test_every_apostrophe_form_is_one(apostrophe: str) -> None:
    assert normalize(f"l{apostrophe}IA") == "l'IA"
    assert fold_for_matching(f"S{apostrophe}abonner") == "s'abonner"


def test_the_apostrophe_table_covers_the_forms_news_text_uses() -> None:
    assert set(APOSTROPHES) == {"’", "ʼ", "‘", "`"}


def test_normalize_composes_characters() -> None:
    assert normalize(unicodedata.normalize("NFD", "coûté")) == "coûté"


def test_fold_accents_strips_diacritics_and_expands_ligatures() -> None:
    assert fold_accents("Cœur entraînement ÆSIR") == "Coeur entrainement AESIR"

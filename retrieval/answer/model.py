"""The two fitted models of the answerer: one ranks candidate quotes, one decides whether
to answer at all.

Both are logistic regressions over the features of :mod:`retrieval.answer.features`, fitted
by ``benchmarks/fit_answerer.py`` and shipped as ``weights.json`` beside this module, so
that anyone can refit them on other question sets and see what changed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from .features import CANDIDATE_FEATURES, QUESTION_FEATURES

WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """``bias + Σ weight·feature``: log-odds of a yes."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def score(self, values: Sequence[float]) -> float:
        return self.bias + math.fsum(w * v for w, v in zip(self.weights, values, strict=True))

    def scores(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """:meth:`score` of many rows at once (one matrix product: the ranker scores every
        candidate of a question)."""
        if not rows:
            return []
        product = np.asarray(rows, dtype=np.float64) @ np.asarray(self.weights, dtype=np.float64)
        return (product + self.bias).tolist()  # type: ignore[no-any-return]  # ndarray.tolist is untyped

    def to_json(self) -> dict[str, Any]:
        return {"bias": self.bias, "weights": dict(zip(self.features, self.weights, strict=True))}

    @classmethod
    def from_json(cls, data: dict[str, Any], features: tuple[str, ...]) -> LinearModel:
        weights = data["weights"]
        if tuple(weights) != features:
            raise ValueError(f"the weights are for features {tuple(weights)}, not {features}: refit them")
        return cls(features, tuple(float(weights[name]) for name in features), float(data["bias"]))


@dataclass(frozen=True, slots=True)
class AnswerModels:
    ranker: LinearModel
    """Log-odds that a candidate comes from an article that answers and holds the answer."""
    decider: LinearModel
    """Log-odds that the corpus answers the question at all."""
    threshold: float
    """Answer when the decider's log-odds reach this (chosen for a stated precision)."""
    cite_margin: float
    """A further article is cited when its best candidate is within this many log-odds of
    the best one."""
    fitted_on: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "fitted_on": self.fitted_on,
            "threshold": self.threshold,
            "cite_margin": self.cite_margin,
            "ranker": self.ranker.to_json(),
            "decider": self.decider.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerModels:
        return cls(
            ranker=LinearModel.from_json(data["ranker"], CANDIDATE_FEATURES),
            decider=LinearModel.from_json(data["decider"], QUESTION_FEATURES),
            threshold=float(data["threshold"]),
            cite_margin=float(data["cite_margin"]),
            fitted_on=str(data.get("fitted_on", "")),
        )


@cache
def shipped_models() -> AnswerModels:
    """The models fitted for this release (read once)."""
    text = resources.files(__package__).joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    return AnswerModels.from_json(json.loads(text))

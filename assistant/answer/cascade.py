"""The pair judge as a cascade (issue 24): a second look, only where the calibrated judge is unsure.

The answerability judge reads signals (coverage, similarity, ...) and is fast; the pair judge reads the
question and the sentence as one text through the report-tuned encoder and costs an engine call per pair.
So it runs only when the first judge's probability for the best candidate lies in `band` (outside it the
first judge is right often enough alone), on the `top` best candidates; a small logistic model over both
judges' log-odds gives the new calibrated probability, and the candidates are re-ordered by it. Fitted by
`python -m eval train` (eval/cascade.py) on the dev questions, never on the ones the encoder trained on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answer.answerability import LogisticScore
    from assistant.answer.extractive import Candidate


def log_odds(probability: float) -> float:
    p = min(1 - 1e-6, max(1e-6, probability))
    return math.log(p / (1 - p))


def cascade_features(first: float, pair: float) -> dict[str, float]:
    """What the second stage reads: both judges' log-odds."""
    return {"judge_logit": log_odds(first), "pair_logit": log_odds(pair)}


@dataclass(frozen=True)
class PairCascade:
    model: "LogisticScore"  # over `cascade_features`
    band: tuple[float, float]  # the first judge's probabilities that get a second look: [low, high)
    top: int  # how many of the best candidates the pair judge reads

    def in_band(self, probability: float) -> bool:
        return self.band[0] <= probability < self.band[1]

    def rejudge(self, ranked: list["Candidate"], pair_of: Callable[["Candidate"], float]) -> list["Candidate"]:
        """The candidates re-judged and re-ordered when the best one is in the band; else as they were."""
        if not ranked or not self.in_band(ranked[0].probability):
            return ranked
        head = ranked[: self.top]
        for candidate in head:
            pair = pair_of(candidate)
            candidate.features["pair"] = pair
            candidate.probability = self.model.probability(cascade_features(candidate.probability, pair))
        return sorted(head, key=lambda c: -c.probability) + ranked[self.top :]

    @classmethod
    def from_dict(cls, data: dict) -> "PairCascade":
        from assistant.answer.answerability import LogisticScore

        return cls(LogisticScore.from_dict(data["model"]), (float(data["band"][0]), float(data["band"][1])),
                   int(data["top"]))

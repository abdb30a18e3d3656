"""Fit the pair judge's cascade (assistant/answer/cascade.py) on the dev questions, out of fold.

For every dev question, the first stage (ranker and judge, fitted without the question's fold) orders its
candidates and judges the best `top`; the served pair judge reads those pairs. A logistic model over both
judges' log-odds is fitted on those rows; its out-of-fold probabilities, used only inside the band, give
each question's final probability, on which the refusal and sure levels are then chosen. The encoder never
trained on these questions (eval/encoder: dev-more and the report), so its pair scores here are honest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .train import Row, fit, judge_rows

TOP = 2  # candidates the pair judge reads: each costs one engine call
BAND = (0.03, 0.995)  # first-stage probabilities that get the second look


@dataclass
class Judged:
    question_id: str
    position: int  # 0 = the ranker's best
    first: float  # the first stage's out-of-fold probability
    label: int
    answerable: bool
    text: str
    question: str
    pair: float | None = None


def first_stage_out_of_fold(rows: list[Row], top: int = TOP, folds: int = 5) -> dict[str, list[Judged]]:
    """Per question, its `top` best candidates with the first stage's out-of-fold probabilities."""
    from assistant.answer.answerability import FEATURES, JUDGE_FEATURES, LogisticScore

    question_ids = sorted({r.question_id for r in rows})
    fold_of = {q: i % folds for i, q in enumerate(question_ids)}
    found: dict[str, list[Judged]] = {}
    for fold in range(folds):
        train_rows = [r for r in rows if fold_of[r.question_id] != fold and r.features]
        ranker = LogisticScore.from_dict(fit([r for r in train_rows if r.answerable], FEATURES))
        judge = LogisticScore.from_dict(fit(judge_rows(train_rows, ranker), JUDGE_FEATURES))
        by_question: dict[str, list[Row]] = {}
        for row in rows:
            if fold_of[row.question_id] == fold and row.features:
                by_question.setdefault(row.question_id, []).append(row)
        for question_id, candidates in by_question.items():
            scored = sorted(((ranker.margin(r.features), r) for r in candidates), key=lambda pair: -pair[0])
            judged = []
            for place, (score, row) in enumerate(scored[:top]):
                following = scored[place + 1][0] if place + 1 < len(scored) else None
                lead = score - following if following is not None else 5.0
                first = judge.probability(row.features | {"rank_score": score, "rank_lead": lead})
                judged.append(Judged(question_id, place, first, row.label, row.answerable, row.text, row.question))
            found[question_id] = judged
    return found


def add_pair_scores(found: dict[str, list[Judged]], pair_of: Callable[[str, str], float], progress=None) -> None:
    for judged in found.values():
        for item in judged:
            item.pair = pair_of(item.question, item.text)
        if progress:
            progress(1)


def fit_cascade(found: dict[str, list[Judged]], band: tuple[float, float] = BAND, top: int = TOP,
                folds: int = 5) -> tuple[dict, dict[str, tuple[float, bool]]]:
    """The second stage (fitted on every question's top candidates) and, per question, the final out-of-fold
    (probability, right) the answerer would give: the second stage's best when the first is in the band."""
    from assistant.answer.answerability import LogisticScore
    from assistant.answer.cascade import cascade_features

    def as_rows(items: list[Judged]) -> list[Row]:
        return [Row(i.question_id, cascade_features(i.first, i.pair), i.label, i.answerable) for i in items]

    features = ("judge_logit", "pair_logit")
    question_ids = sorted(found)
    fold_of = {q: i % folds for i, q in enumerate(question_ids)}
    final: dict[str, tuple[float, bool]] = {}
    for fold in range(folds):
        train = [i for q in question_ids if fold_of[q] != fold for i in found[q]]
        second = LogisticScore.from_dict(fit(as_rows(train), features, c=1.0))
        for q in question_ids:
            if fold_of[q] != fold or not found[q]:
                continue
            best = found[q][0]
            if band[0] <= best.first < band[1]:
                rejudged = [(second.probability(cascade_features(i.first, i.pair)), bool(i.label)) for i in found[q]]
                final[q] = max(rejudged, key=lambda pair: pair[0])
            else:
                final[q] = (best.first, bool(best.label))
    model = fit(as_rows([i for q in question_ids for i in found[q]]), features, c=1.0)
    return {"model": model, "band": list(band), "top": top}, final

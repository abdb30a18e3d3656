"""`python -m eval train`: fit the answerability model on dev questions only.

Every dev question is asked up to the candidate step; each candidate sentence that passes the hard
checks becomes one row: its signals (assistant/answer/answerability.py) and a label, 1 when the
sentence holds what the question expects (its figures, else its words, else its page and footnote),
0 otherwise (always 0 for a question the report does not answer). A logistic regression
(scikit-learn) on standardized signals gives the probability; the refusal threshold is the one
that scores best on the dev questions themselves, with answering an unanswerable question costing
twice a false refusal. Test and held-out questions are never read here.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .metrics import find_figure, find_word, missing_groups

WRONG_ANSWER_COST, ANSWERED_UNANSWERABLE_COST, FALSE_REFUSAL_COST = 1.0, 2.0, 1.0


@dataclass
class Row:
    question_id: str
    features: dict[str, float]
    label: int
    answerable: bool


def label_of(question: dict, text: str, page: int, footnotes: list[int], references: str = "") -> int:
    """Whether a candidate answers the question, by what the question file expects (as the harness
    scores an answer: figures in the quote; words in the quote or its footnotes' references)."""
    if question["expect_refusal"]:
        return 0
    if question["expect_figures"]:
        return int(not missing_groups(text, question["expect_figures"], find_figure))
    if question["expect_words"]:
        return int(not missing_groups(f"{text}\n{references}", question["expect_words"], find_word))
    pages, notes = set(question["expect_pages"]), set(question["expect_footnotes"])
    return int((not pages or page in pages) and (not notes or bool(notes & set(footnotes))) and bool(pages or notes))


def collect_rows(assistant, questions: list[dict], k: int | None = None, progress=None) -> list[Row]:
    rows: list[Row] = []
    for question in questions:
        read = assistant.read_question(question["question"], question["history"])
        if read.language not in ("pl", "en"):
            continue
        retrieved = assistant.search.retrieve(read.query, k or assistant.settings.top_k, lexical_query=read.expanded)
        found, _ = assistant.extractive.candidates(read, retrieved)
        for candidate in found:
            sentence = candidate.sentence
            text = assistant.extractive.answer_text(sentence)
            footnotes = list(sentence.footnotes)
            references = " ".join(_reference(assistant.snapshot, sentence.chunk.doc, n) for n in footnotes)
            label = label_of(question, text, sentence.chunk.page, footnotes, references)
            rows.append(Row(question["id"], candidate.features, label, not question["expect_refusal"]))
        if not found:  # no candidate at all: the question is refused whatever the model says
            rows.append(Row(question["id"], {}, 0, not question["expect_refusal"]))
        if progress:
            progress(1)
    return rows


def _reference(snapshot, doc: str, footnote: int) -> str:
    source = snapshot.sources.get(snapshot.footnote_source.get((doc, footnote), ""))
    return f"{source.reference} {source.url or ''}" if source else ""


def fit(rows: list[Row], features: tuple[str, ...], c: float = 0.5) -> dict:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    usable = [r for r in rows if r.features]
    x = np.array([[r.features.get(f, 0.0) for f in features] for r in usable])
    y = np.array([r.label for r in usable])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return {"features": list(features), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "weights": model.coef_[0].round(6).tolist(), "bias": round(float(model.intercept_[0]), 6)}


def question_outcomes(rows: list[Row], probability) -> list[tuple[float, bool, bool]]:
    """Per question: (best probability, best candidate is right, question is answerable)."""
    best: dict[str, tuple[float, bool, bool]] = {}
    for row in rows:
        p = probability(row.features) if row.features else 0.0
        if row.question_id not in best or p > best[row.question_id][0]:
            best[row.question_id] = (p, bool(row.label), row.answerable)
    return list(best.values())


def choose_threshold(outcomes: list[tuple[float, bool, bool]]) -> tuple[float, float]:
    """The threshold with the best dev utility (ties: the higher one, i.e. more careful)."""
    def utility(t: float) -> float:
        total = 0.0
        for p, right, answerable in outcomes:
            answered = p >= t
            if answerable and answered:
                total += 1.0 if right else -WRONG_ANSWER_COST
            elif answerable:
                total -= FALSE_REFUSAL_COST
            else:
                total += -ANSWERED_UNANSWERABLE_COST if answered else 1.0
        return total

    grid = [i / 200 for i in range(1, 200)]
    best = max(grid, key=lambda t: (utility(t), t))
    return best, utility(best)


def reliability(outcomes: list[tuple[float, bool, bool]], bins: int = 10) -> list[dict]:
    """Observed share of right best candidates per probability bin (the reliability curve's points)."""
    table = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [right for p, right, _ in outcomes if low <= p < high or (b == bins - 1 and p == 1.0)]
        if inside:
            table.append({"low": low, "high": high, "n": len(inside), "right": sum(inside) / len(inside),
                          "mean_p": sum(p for p, _, _ in outcomes if low <= p < high) / len(inside)})
    return table


def train(assistant, questions: list[dict], out: Path, show_progress: bool = True) -> dict:
    from tqdm import tqdm

    from assistant.answer.answerability import FEATURES, AnswerabilityModel

    with tqdm(total=len(questions), desc="train", unit="q", disable=not show_progress, file=sys.stderr) as bar:
        rows = collect_rows(assistant, questions, progress=bar.update)
    fitted = fit(rows, FEATURES)
    model = AnswerabilityModel(tuple(fitted["features"]), tuple(fitted["mean"]), tuple(fitted["scale"]),
                               tuple(fitted["weights"]), fitted["bias"], 0.5, 0.5)
    outcomes = question_outcomes(rows, model.probability)
    threshold, utility = choose_threshold(outcomes)
    data = fitted | {"threshold": threshold, "second_threshold": threshold,
                     "trained_on": sorted({q.get("source", "") for q in questions}), "questions": len(questions),
                     "rows": len(rows), "positives": sum(r.label for r in rows), "dev_utility": utility,
                     "reliability": reliability(outcomes)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data

"""What the tuned encoder is worth, on questions it was never trained on (dev and dev-extra).

- the pair judge's AUC for "the shipped ranker's first candidate answers" against the shipped
  answerability judge's probability on the same rows (every question with a candidate: an unanswerable
  question's first candidate is always wrong);
- the pair judge's own choice: among a question's first `OWN_CHOICE` candidates (retrieval order), the one
  it rates highest, right or not, against the shipped ranker's first (one engine call per pair: 6 keep the
  measurement to a few minutes on a busy machine);
- the served 4-bit judge against the torch fake-quant model (cosine of vectors, probability gap);
- latency per pair (median of 50 single calls, one thread).
"""

from __future__ import annotations

import statistics
import time

from .pairs import QuestionItem

OWN_CHOICE = 6


def auc(scores: list[float], labels: list[int]) -> float | None:
    """Area under the ROC curve (ties count half); None without both classes."""
    positives = [s for s, y in zip(scores, labels) if y]
    negatives = [s for s, y in zip(scores, labels) if not y]
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return round(wins / (len(positives) * len(negatives)), 4)


def judge_report(items: list[QuestionItem], probability) -> dict:
    """AUCs on one set: the pair judge (`probability(question, sentence)`) against the shipped judge."""
    rows = [i for i in items if i.top]
    pair = [probability(i.question, i.top) for i in rows]
    labels = [int(i.top_right) for i in rows]
    shipped = [i.top_probability for i in rows]
    own_right, own_rows = 0, 0
    for item in items:
        if not item.answerable or not item.candidates:
            continue
        scores = [probability(item.question, c) for c in item.candidates[:OWN_CHOICE]]
        own_rows += 1
        own_right += item.labels[max(range(len(scores)), key=scores.__getitem__)]
    shipped_right = sum(i.top_right for i in rows if i.answerable and i.candidates)
    return {
        "rows": len(rows),
        "right_rows": sum(labels),
        "auc_pair_judge": auc(pair, labels),
        "auc_shipped_judge": auc(shipped, labels),
        "answerable_with_candidates": own_rows,
        "first_right_pair_judge": own_right,
        "first_right_shipped_ranker": shipped_right,
    }


def latency_ms(probability, question: str, sentence: str, runs: int = 50) -> float:
    probability(question, sentence)  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        probability(question, sentence)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def agreement(served, torch_vectors, texts: list[tuple[str, str]], head: dict) -> dict:
    """Served 4-bit engine against the torch fake-quant model on the same pair texts."""
    import numpy as np

    weights, bias = np.asarray(head["weights"], dtype=np.float32), float(head["bias"])
    engine = np.stack([served.vector(q, s) for q, s in texts])
    model = np.asarray(torch_vectors, dtype=np.float32)
    cosines = (engine * model).sum(axis=1) / (np.linalg.norm(engine, axis=1) * np.linalg.norm(model, axis=1))
    sigmoid = lambda v: 1 / (1 + np.exp(-(v @ weights + bias)))  # noqa: E731
    gaps = np.abs(sigmoid(engine) - sigmoid(model))
    return {"pairs": len(texts), "cosine_median": round(float(np.median(cosines)), 5),
            "cosine_min": round(float(cosines.min()), 5), "prob_gap_median": round(float(np.median(gaps)), 5),
            "prob_gap_max": round(float(gaps.max()), 5)}

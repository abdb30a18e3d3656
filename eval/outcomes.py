"""How sure each answer was, counted by what it does to a reader (issue 25).

An answer is sure, a passage to check or refused (`Answer.outcome`). What harms a reader is a sure answer
that is wrong: *confidently wrong* is a sure answer without the right figure, or a sure answer to a question
the report does not answer. A passage to check that is right still helps (the reader checks it and finds the
figure); one that is wrong costs the reader a look. Pure functions over the harness's per-question scores
(eval/metrics.py `score_question`), no I/O: `with_outcome` adds `outcome` and `right` to one score,
`outcome_metrics` counts a set, `targets_missed` / `gate_failures` compare with the targets and the gate of
eval/thresholds.py.
"""

from __future__ import annotations

OUTCOMES = ("sure", "check", "refused")
# the targets (test and new, with dev)
# the targets and the gate's ceiling on confidently wrong answers are in eval/thresholds.py, the one source

COUNT_KEYS = ("confidently_wrong", "right_sure", "right_check", "wrong_check", "refused_count")
RATE_KEYS = ("confidently_wrong_rate", "right_shown_rate", "sure_rate", "unanswerable_sure_rate")
DEFINITIONS = {
    "confidently_wrong": "sure answers without the right figure (words, page) or to a question the report does "
    "not answer; its rate is of all questions (target <= 2%)",
    "right_sure": "answerable questions answered sure with the right figure",
    "right_check": "answerable questions whose passage to check holds the right figure",
    "wrong_check": "passages to check without the right figure, or for a question the report does not answer",
    "refused_count": "questions answered 'not in the report' (right or not)",
    "right_shown_rate": "answerable questions with the right figure shown, sure or to check (target >= 95%)",
    "sure_rate": "answerable questions answered sure, right or not (target >= 80%)",
    "unanswerable_sure_rate": "unanswerable questions answered sure (target <= 3%)",
}


def outcome_of(answer: dict) -> str | None:
    """The answer's outcome; results written before issue 25 have only `refused` (an answer was then sure)."""
    if answer.get("error"):
        return None
    outcome = answer.get("outcome")
    if outcome in OUTCOMES:
        return outcome
    return "refused" if answer.get("refused") else "sure"


def is_right(score: dict) -> bool:
    """An answer to an answerable question that shows what the question expects: its figures, else its words,
    else a cited page or footnote it expects (as `python -m eval train` labels a passage)."""
    if score["error"] or score["refused"] or score["expect_refusal"]:
        return False
    content = [score.get(key) for key in ("figures_ok", "words_ok") if score.get(key) is not None]
    if content:
        return all(content)
    return all(score.get(key) is not False for key in ("pages_ok", "footnotes_ok"))


def with_outcome(score: dict, answer: dict) -> dict:
    """The score with the answer's `outcome` and whether it is `right`."""
    score["outcome"] = outcome_of(answer)
    score["right"] = is_right(score)
    return score


def outcome_metrics(scores: list[dict]) -> dict:
    """The four counts per set (plus wrong passages to check) and the rates the targets are about."""
    asked = [s for s in scores if s.get("outcome")]
    answerable = [s for s in asked if not s["expect_refusal"]]
    unanswerable = [s for s in asked if s["expect_refusal"]]
    sure = [s for s in asked if s["outcome"] == "sure"]
    check = [s for s in asked if s["outcome"] == "check"]
    counts = {
        "confidently_wrong": sum(not s["right"] for s in sure),
        "right_sure": sum(s["right"] for s in sure),
        "right_check": sum(s["right"] for s in check),
        "wrong_check": sum(not s["right"] for s in check),
        "refused_count": sum(s["outcome"] == "refused" for s in asked),
    }
    share = lambda part, whole: part / len(whole) if whole else None  # noqa: E731
    return counts | {
        "confidently_wrong_rate": share(counts["confidently_wrong"], scores),
        "right_shown_rate": share(counts["right_sure"] + counts["right_check"], answerable),
        "sure_rate": share(sum(s["outcome"] == "sure" for s in answerable), answerable),
        "unanswerable_sure_rate": share(sum(s["outcome"] == "sure" for s in unanswerable), unanswerable),
    }


def targets_missed(metrics: dict) -> list[str]:
    """The issue's outcome targets this set misses, one short line each (eval/thresholds.py TARGETS)."""
    from .thresholds import TARGETS, failures

    return failures(metrics, [t for t in TARGETS if t.metric in RATE_KEYS])


def gate_failures(metrics: dict) -> list[str]:
    from .thresholds import GATE, failures

    return failures(metrics, [t for t in GATE if t.metric in RATE_KEYS])


def levels_of(model) -> dict | None:
    """The levels in effect (for the report and the reliability plot); None without a model."""
    if model is None:
        return None
    return {"check": round(model.threshold, 4), "sure": round(model.sure_threshold, 4)}


def table_rows(metrics: dict) -> list[list[str]]:
    """[what, value, target] rows of the report's outcome table."""
    rows = []
    for key in COUNT_KEYS:
        rows.append([key, str(metrics.get(key, "n/a")), ""])
    from .thresholds import TARGETS, gate_text

    targets = {key: gate_text(key, TARGETS) for key in RATE_KEYS}
    missed = {line.split()[0] for line in targets_missed(metrics)}
    for key in RATE_KEYS:
        value = metrics.get(key)
        status = "" if value is None else ("missed" if key in missed else "met")
        rows.append([key, "n/a" if value is None else f"{value:.3f}", f"{targets[key]} {status}".strip()])
    return rows

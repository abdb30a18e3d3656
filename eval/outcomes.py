"""How sure each answer was, counted by what it does to a reader (issue 25).

An answer is sure, a passage to check or refused (`Answer.outcome`). What harms a reader is a sure answer
that is wrong: *confidently wrong* is a sure answer without the right figure, or a sure answer to a question
the report does not answer. A passage to check that is right still helps (the reader checks it and finds the
figure); one that is wrong costs the reader a look. Pure functions over the harness's per-question scores
(eval/metrics.py `score_question`), no I/O: `with_outcome` adds `outcome` and `right` to one score,
`outcome_metrics` counts a set, `targets_missed` / `gate_failures` compare with the issue's targets.
"""

from __future__ import annotations

OUTCOMES = ("sure", "check", "refused")
# the targets (test and new, with dev)
MAX_CONFIDENTLY_WRONG = 0.02  # of all questions
MIN_RIGHT_SHOWN = 0.95  # of answerable questions: the right figure shown, sure or to check
MIN_SURE = 0.80  # of answerable questions: sure
MAX_UNANSWERABLE_SURE = 0.03  # of unanswerable questions: shown as sure
# the regression gate on dev and test (eval/harness.py `EvalRun.gate_failures`): looser than the target, so that
# the product's levels may move with retraining, tight enough to catch levels that make sure answers unsafe
GATE_MAX_CONFIDENTLY_WRONG = 0.05

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
    """The issue's targets this set misses, one short line each."""
    checks = (
        ("confidently_wrong_rate", "<=", MAX_CONFIDENTLY_WRONG),
        ("right_shown_rate", ">=", MIN_RIGHT_SHOWN),
        ("sure_rate", ">=", MIN_SURE),
        ("unanswerable_sure_rate", "<=", MAX_UNANSWERABLE_SURE),
    )
    missed = []
    for key, op, goal in checks:
        value = metrics.get(key)
        if value is not None and (value > goal if op == "<=" else value < goal):
            missed.append(f"{key} {value:.3f} {'>' if op == '<=' else '<'} {goal}")
    return missed


def gate_failures(metrics: dict) -> list[str]:
    value = metrics.get("confidently_wrong_rate")
    if value is not None and value > GATE_MAX_CONFIDENTLY_WRONG:
        return [f"confidently_wrong_rate {value:.3f} > {GATE_MAX_CONFIDENTLY_WRONG} (sure answers that are wrong)"]
    return []


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
    targets = {"confidently_wrong_rate": f"<= {MAX_CONFIDENTLY_WRONG}", "right_shown_rate": f">= {MIN_RIGHT_SHOWN}",
               "sure_rate": f">= {MIN_SURE}", "unanswerable_sure_rate": f"<= {MAX_UNANSWERABLE_SURE}"}
    missed = {line.split()[0] for line in targets_missed(metrics)}
    for key in RATE_KEYS:
        value = metrics.get(key)
        status = "" if value is None else ("missed" if key in missed else "met")
        rows.append([key, "n/a" if value is None else f"{value:.3f}", f"{targets[key]} {status}".strip()])
    return rows

"""The one source of the evaluation's thresholds: the console, report.md/html and the gate read them here.

`GATE` is the regression floor of eval/questions.yaml (dev and test) and what `eval run --questions FILE
--gate` applies to a tester's file; `TARGETS` is what the product aims for on questions nobody tuned on
(reported, never a gate). A metric that does not apply to a file (no footnote expectations: footnote
recall is None) is not checked: a file without footnotes cannot fail on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Threshold:
    """`metric` must be at least (`>=`) or at most (`<=`) `value`."""

    metric: str
    op: Literal[">=", "<="]
    value: float
    note: str = ""  # said after a failure: what the metric counts

    def text(self) -> str:
        shown = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        return f"{'≥' if self.op == '>=' else '≤'} {shown}"

    def failure(self, metrics: dict[str, Any]) -> str | None:
        """Why `metrics` misses this threshold, or None (also when the metric does not apply)."""
        value = metrics.get(self.metric)
        if value is None:
            return None
        ok = value >= self.value if self.op == ">=" else value <= self.value
        if ok:
            return None
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        return f"{self.metric} {shown} {'<' if self.op == '>=' else '>'} {self.value:g}" + (
            f" ({self.note})" if self.note else "")


# metrics where less is better: a file's own `thresholds:` gives them as ceilings
CEILINGS = ("false_refusal_rate", "hallucinated_figures", "errors", "confidently_wrong_rate", "unanswerable_sure_rate")
GATE = (
    Threshold("figure_accuracy", ">=", 0.85),
    Threshold("footnote_recall", ">=", 0.83),
    Threshold("refusal_recall", ">=", 0.80),
    Threshold("false_refusal_rate", "<=", 0.12),
    Threshold("hallucinated_figures", "<=", 0),
    Threshold("errors", "<=", 0, "questions that crashed"),
    Threshold("confidently_wrong_rate", "<=", 0.05, "sure answers that are wrong"),
)
# With the three outcomes (issue 25) a question the report does not answer must not be shown as a *sure*
# answer: `unanswerable_sure_rate` takes the place of the old "refused" target (issues 24 and 25), and a
# false refusal is an answerable question not shown at all.
TARGETS = (
    Threshold("figure_accuracy", ">=", 0.92),
    Threshold("first_quote_accuracy", ">=", 0.88),
    Threshold("false_refusal_rate", "<=", 0.05),
    Threshold("confidently_wrong_rate", "<=", 0.02, "sure answers that are wrong, of all questions"),
    Threshold("right_shown_rate", ">=", 0.95, "the right figure shown, sure or to check"),
    Threshold("sure_rate", ">=", 0.80, "answerable questions answered sure"),
    Threshold("unanswerable_sure_rate", "<=", 0.03, "unanswerable questions answered sure"),
)
KNOWN = ("figure_accuracy", "first_quote_accuracy", "word_accuracy", "footnote_recall", "footnote_precision",
         "page_accuracy", "refusal_precision", "refusal_recall", "pass_rate", "retrieval_recall_at_k",
         "mrr_at_k", "right_shown_rate", "sure_rate") + CEILINGS


def failures(metrics: dict[str, Any], thresholds: tuple[Threshold, ...] | list[Threshold] = GATE) -> list[str]:
    return [reason for t in thresholds if (reason := t.failure(metrics))]


def gate_text(metric: str, thresholds: tuple[Threshold, ...] | list[Threshold] = GATE) -> str:
    """"≥ 0.85" for a gated metric, "" otherwise (the report's gate column)."""
    return next((t.text() for t in thresholds if t.metric == metric), "")


def parse_thresholds(data: Any) -> list[Threshold]:
    """A question file's own `thresholds:` mapping (metric: number); ValueError names what is wrong."""
    if not isinstance(data, dict) or not data:
        raise ValueError("`thresholds` must be a mapping of metric: number, e.g. thresholds: {figure_accuracy: 0.8}")
    parsed = []
    for metric, value in data.items():
        if metric not in KNOWN:
            raise ValueError(f"unknown threshold metric `{metric}` (known: {', '.join(KNOWN)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"threshold `{metric}` must be a number, got {value!r}")
        if metric not in ("hallucinated_figures", "errors") and not 0 <= value <= 1:
            raise ValueError(f"threshold `{metric}` must be between 0 and 1, got {value}")
        parsed.append(Threshold(metric, "<=" if metric in CEILINGS else ">=", value))
    return parsed

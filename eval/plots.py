"""The report's plots as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ASSISTANT_COLOR, BASELINE_COLOR, PASS_COLOR = "#2b6cb0", "#dd6b20", "#38a169"


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def section_order(name: str) -> tuple:
    """'4.10. X' after '4.2. X'; unnumbered last."""
    numbers = re.match(r"^(\d+(?:\.\d+)*)", name)
    return tuple(int(n) for n in numbers.group(1).split(".")) if numbers else (999,)


def accuracy_by_section(by_section: dict[str, dict]) -> bytes:
    names = sorted(by_section, key=lambda n: (section_order(n), n), reverse=True)
    labels = [f"{n[:48]}{'…' if len(n) > 48 else ''} (n={by_section[n]['questions']})" for n in names]
    passed = [by_section[n]["pass_rate"] or 0 for n in names]
    figures = [by_section[n]["figure_accuracy"] for n in names]
    figure, axis = plt.subplots(figsize=(9, 0.42 * len(names) + 1.4))
    rows = range(len(names))
    axis.barh([r + 0.2 for r in rows], passed, height=0.38, color=PASS_COLOR, label="all checks passed")
    axis.barh(
        [r - 0.2 for r in rows], [f or 0 for f in figures], height=0.38, color=ASSISTANT_COLOR, label="figure accuracy"
    )
    for row, value in zip(rows, figures):
        if value is None:
            axis.text(0.01, row - 0.2, "no figure questions", va="center", fontsize=7, color="#555")
    axis.set_yticks(list(rows), labels, fontsize=8)
    axis.set_xlim(0, 1.0)
    axis.axvline(0.9, color="#999", linestyle="--", linewidth=1)
    axis.set_xlabel("share of questions")
    axis.set_title("Accuracy by report section")
    axis.legend(loc="lower right", fontsize=8)
    return _png(figure)


def latency_distribution(latencies_ms: list[float], p50: float | None, p95: float | None) -> bytes:
    figure, axis = plt.subplots(figsize=(9, 3.2))
    if latencies_ms:
        axis.hist(latencies_ms, bins=min(40, max(5, len(latencies_ms) // 4)), color=ASSISTANT_COLOR, alpha=0.85)
    for value, label, style in ((p50, "p50", "-"), (p95, "p95", "--")):
        if value is not None:
            axis.axvline(value, color="#c53030", linestyle=style, linewidth=1.2)
            axis.annotate(
                f"{label} {value:.0f} ms",
                (value, axis.get_ylim()[1] * 0.9),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=8,
                color="#c53030",
            )
    axis.set_xlabel("latency per question (ms, wall clock)")
    axis.set_ylabel("questions")
    axis.set_title("Latency distribution")
    return _png(figure)


def retrieval_comparison(metrics: dict, baseline: dict | None) -> bytes:
    labels = ["recall@4", "MRR@4"]
    ours = [metrics.get("retrieval_recall_at_4") or 0, metrics.get("mrr_at_4") or 0]
    figure, axis = plt.subplots(figsize=(6, 3.2))
    positions = range(len(labels))
    width = 0.38 if baseline else 0.6
    offset = width / 2 if baseline else 0
    bars = axis.bar([p - offset for p in positions], ours, width=width, color=ASSISTANT_COLOR, label="assistant")
    axis.bar_label(bars, fmt="%.2f", fontsize=8)
    if baseline:
        theirs = [baseline.get("retrieval_recall_at_k") or 0, baseline.get("mrr_at_k") or 0]
        bars = axis.bar(
            [p + offset for p in positions], theirs, width=width, color=BASELINE_COLOR, label="LangChain baseline"
        )
        axis.bar_label(bars, fmt="%.2f", fontsize=8)
    axis.set_xticks(list(positions), labels)
    axis.set_ylim(0, 1.1)
    axis.set_title("Retrieval: top-4 contexts")
    axis.legend(fontsize=8, loc="lower right")
    return _png(figure)


def reliability(points: list[tuple[float, bool]], levels: dict | None = None, bins: int = 10) -> bytes:
    """Reliability curve: for each confidence bin, the share of questions whose best passage really
    answers them (eval/report.py reliability_points); calibrated means on the diagonal. `levels`
    ({"check": refusal level, "sure": sure level}) are marked as vertical lines."""
    centers, observed, counts = [], [], []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [ok for p, ok in points if low <= p < high or (b == bins - 1 and p == 1.0)]
        if inside:
            centers.append((low + high) / 2)
            observed.append(sum(inside) / len(inside))
            counts.append(len(inside))
    figure, axis = plt.subplots(figsize=(5, 4))
    axis.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfectly calibrated")
    axis.plot(centers, observed, marker="o", color=ASSISTANT_COLOR, label="observed")
    for x, y, n in zip(centers, observed, counts):
        axis.annotate(str(n), (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    for key, color, name in (("check", "#b45309", "refused below"), ("sure", "#15803d", "sure from")):
        if levels and levels.get(key) is not None:
            axis.axvline(levels[key], color=color, linestyle=":", linewidth=1.5, label=f"{name} {levels[key]:.2f}")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.05)
    axis.set_xlabel("answerability (confidence of the best passage)")
    axis.set_ylabel("share where the best passage answers")
    axis.set_title("Reliability (numbers: questions per bin)")
    axis.legend(loc="lower right", fontsize=8)
    return _png(figure)

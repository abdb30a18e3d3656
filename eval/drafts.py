"""The draft kind of the evaluation: grant-justification drafts scored against figures written by hand.

`eval/draft_topics.yaml` (Polish and English, bare topics and instructions) names for each topic the
figures a draft should quote (`expect_figures` groups), the footnotes it should cite and figures of
other topics it must not quote (`forbid_figures`). Run by `python -m eval run` (after the question sets)
or `python -m eval run --questions eval/draft_topics.yaml`; the report shows recall of expected figures,
footnote recall, wrong-topic figures, repeated headings, refusals and damaged quotes left unflagged.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import yaml

from .harness import EVAL_DIR, QuestionFileError

DRAFT_TOPICS = EVAL_DIR / "draft_topics.yaml"
DAMAGED = re.compile(r"\d[a-ząćęłńóśźż]\b")  # this file's own reading: a figure glued to a letter


def is_draft_file(path: Path) -> bool:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, list) and bool(data) and all(isinstance(i, dict) and i.get("kind") == "draft" for i in data)


def load_topics(path: Path = DRAFT_TOPICS) -> list[dict]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(i, dict) and i.get("id") and i.get("question") for i in data):
        raise QuestionFileError(f"{path}: a YAML list of topics with `id` and `question`")
    return data


def _norm(figure: str) -> str:
    return re.sub(r"\s", "", str(figure)).replace("–", "-").replace(".", ",")


def _quoted(draft: dict) -> tuple[list[dict], list[str]]:
    paragraphs = list(draft.get("paragraphs") or []) + ([draft["recommendations"]] if draft.get("recommendations")
                                                        else [])
    return [c for p in paragraphs for c in p.get("citations", [])], [p.get("heading", "") for p in paragraphs]


def _has(figure: str, citations: list[dict]) -> bool:
    """The figure in a quote, never inside a longer number."""
    pattern = re.compile(rf"(?<![\d,]){re.escape(_norm(figure))}(?![\d]|,\d)")
    return any(pattern.search(_norm(c.get("quote", ""))) for c in citations)


def score_topic(topic: dict, draft: dict) -> dict:
    citations, headings = _quoted(draft)
    expected = [g if isinstance(g, list) else [g] for g in topic.get("expect_figures") or []]
    found = [any(_has(f, citations) for f in group) for group in expected]
    footnotes = {n for c in citations for n in c.get("footnotes", [])}
    wanted = set(topic.get("expect_footnotes") or [])
    refused = bool(draft.get("refused"))
    return {
        "id": topic["id"], "lang": topic.get("lang"), "style": topic.get("style"), "refused": refused,
        "refusal_ok": refused == bool(topic.get("expect_refusal")),
        "figure_recall": (sum(found) / len(found)) if found else None,
        "missing": [g[0] for g, ok in zip(expected, found) if not ok],
        "footnote_hit": (bool(wanted & footnotes)) if wanted else None,
        "wrong_topic": [f for f in topic.get("forbid_figures") or [] if _has(f, citations)],
        "repeated_headings": len(headings) - len(set(headings)),
        "unflagged_damage": sum(bool(DAMAGED.search(c.get("quote", ""))) and not c.get("damage") for c in citations),
        "subject": draft.get("subject", ""), "quotes": len(citations),
    }


def run_drafts(assistant, topics_path: Path = DRAFT_TOPICS, report_dir: Path | None = None) -> dict:
    from assistant.drafts.compose import draft_justification

    rows = []
    for topic in load_topics(topics_path):
        started = time.perf_counter()
        try:
            draft = draft_justification(assistant, topic["question"], lang=topic.get("lang"), llm=False).to_dict()
        except Exception as error:  # noqa: BLE001 - one broken topic must not stop the run
            draft = {"refused": True, "error": f"{type(error).__name__}: {error}"}
        row = score_topic(topic, draft)
        row["ms"] = round((time.perf_counter() - started) * 1000)
        rows.append(row)
    answered = [r for r in rows if r["figure_recall"] is not None]
    footnoted = [r for r in rows if r["footnote_hit"] is not None]
    metrics = {
        "topics": len(rows),
        "figure_recall": round(sum(r["figure_recall"] for r in answered) / max(1, len(answered)), 3),
        "footnote_recall": round(sum(r["footnote_hit"] for r in footnoted) / max(1, len(footnoted)), 3),
        "wrong_topic_figures": sum(len(r["wrong_topic"]) for r in rows),
        "repeated_headings": sum(r["repeated_headings"] for r in rows),
        "refusals_right": sum(r["refusal_ok"] for r in rows),
        "unflagged_damaged_quotes": sum(r["unflagged_damage"] for r in rows),
        "latency_p50_ms": sorted(r["ms"] for r in rows)[len(rows) // 2],
        "rows": rows,
    }
    if report_dir is not None:
        report_dir = Path(report_dir)
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "results.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
        (report_dir / "report.md").write_text(report_markdown(metrics), encoding="utf-8")
    return metrics


def report_markdown(metrics: dict) -> str:
    lines = ["# Draft topics", "", *(f"- {k}: {v}" for k, v in metrics.items() if k != "rows"), "",
             "| id | lang | style | recall | missing | footnote | wrong-topic | repeated headings | refused |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in metrics["rows"]:
        recall = "–" if r["figure_recall"] is None else f"{r['figure_recall']:.2f}"
        cells = [r["id"], r["lang"], r["style"], recall, ", ".join(r["missing"]), r["footnote_hit"],
                 ", ".join(r["wrong_topic"]), r["repeated_headings"], r["refused"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def print_drafts(metrics: dict) -> None:
    print("drafts: " + ", ".join(f"{k}={v}" for k, v in metrics.items() if k != "rows"))

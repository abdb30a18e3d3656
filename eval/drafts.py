"""The draft kind of the evaluation: grant-justification drafts scored against figures written by hand.

`eval/draft_topics.yaml` (Polish and English, bare topics and instructions) names for each topic the
figures a draft should quote (`expect_figures` groups), the footnotes it should cite and figures of
other topics it must not quote (`forbid_figures`); a reviewer's view adds `key_figures` (groups: the
figures a reviewer would expect first; default `expect_figures`), `key_words` (groups of names or phrases
the quotes must hold, counted in the same recall) and `forbid_quotes` (a few words of each
quote that must not appear). `group` (default "original") splits the report: topics written later are
scored apart from the first ones. Run by `python -m eval run` (after the question sets) or
`python -m eval run --questions eval/draft_topics.yaml`; the report shows, per group and per topic:
key-figure recall, off-topic quotes per draft (a quote matching `forbid_quotes` or holding a
`forbid_figures` figure), headings over a quote on another subject, cut list items, footnote recall,
repeated headings, refusals and damaged quotes left unflagged; and where each missing key figure was lost
(`key_lost_at`, counted per group: offered unticked "to check", over the draft's limits, below the relevance
bar, or absent from the candidates), so a held-out group's losses can be read by stage without reading its topics.

Both structural checks are this file's own reading, not the drafter's: a heading is over a quote on
another subject when the quote (its own sentence, not a lead-in) shares no word stem with that heading's
facet terms (assistant/data/draft_facets.toml: the words the heading stands for); a list item is cut when
its parentheses or quotation marks do not close, or it ends at an abbreviation ("(np", "(KPI").
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
CUT_END = re.compile(r"(\((np|m\.in|tzw|ok|KPI|ang|w tym|czyli)\.?|\b(np|m\.in|tzw|ok|ang))\s*[.…]?$")
STEM = 5  # letters two words share to count as one stem (Polish inflection)


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
    """Thousands joined ("1 642" -> "1642"), dashes and decimal points alike; other spaces stay, so "3D, 80%" keeps
    80 apart from the comma before it."""
    joined = re.sub(r"(?<=\d)\s(?=\d{3}(?!\d))", "", str(figure)).replace("–", "-").replace(".", ",")
    return re.sub(r"\s+", " ", joined)


def _quoted(draft: dict) -> tuple[list[dict], list[str]]:
    paragraphs = list(draft.get("paragraphs") or []) + ([draft["recommendations"]] if draft.get("recommendations")
                                                        else [])
    return [c for p in paragraphs for c in p.get("citations", [])], [p.get("heading", "") for p in paragraphs]


def _has(figure: str, citations: list[dict]) -> bool:
    """The figure in a quote, never inside a longer number."""
    pattern = re.compile(rf"(?<!\d)(?<!\d,){re.escape(_norm(figure))}(?![\d]|,\d)")
    return any(pattern.search(_norm(c.get("quote", ""))) for c in citations)


def _groups(value) -> list[list[str]]:
    return [g if isinstance(g, list) else [g] for g in value or []]


def is_cut(quote: str) -> bool:
    """A quote that stops inside its list item: brackets or quotation marks left open, or an abbreviation at its end."""
    text = quote.strip()
    return (text.count("(") > text.count(")") or text.count("„") > text.count("”")
            or bool(CUT_END.search(text)))


def _stems(text: str) -> set[str]:
    from assistant.lemmas import tokenize

    return {t[:STEM] for t in tokenize(text) if len(t) >= 3 and not t[0].isdigit()}


def wrong_headings(draft: dict) -> list[str]:
    """"heading: quote start" for each quote under a facet heading whose own sentence shares no stem with the facet."""
    from assistant.drafts.tables import FACETS

    terms = {f.key: _stems(f.terms) for f in FACETS}
    wrong = []
    for paragraph in draft.get("paragraphs") or []:
        facet = terms.get(paragraph.get("facet", ""))
        for citation in paragraph.get("citations", []) if facet else []:
            own = citation.get("quote", "").split(" […] ")[-1]
            if not _stems(own) & facet:
                wrong.append(f"{paragraph.get('heading')}: {own[:60]}")
    return wrong


def off_topic(topic: dict, citations: list[dict]) -> list[str]:
    """The start of each quote that holds a forbidden figure or matches a forbidden quote."""
    phrases = [_norm_text(q) for q in topic.get("forbid_quotes") or []]
    found = []
    for citation in citations:
        quote = citation.get("quote", "")
        if (any(_has(f, [citation]) for f in topic.get("forbid_figures") or [])
                or any(p and p in _norm_text(quote) for p in phrases)):
            found.append(quote[:60])
    return found


def _lost_at(group: list[str], candidates: list[dict]) -> str:
    """Where a missing key figure or passage was lost: "check" (offered unticked, the judge not sure of it),
    "limit" (relevant and sure, unticked by the draft's limits), "offered" (offered unticked, below the relevance
    bar) or "absent" (not among the candidates: ranked below those offered, or a duplicate)."""
    holding = [c for c in candidates if any(_has(f, [c]) or _norm_text(f) in _norm_text(c.get("quote", ""))
                                            for f in group)]
    if any(c.get("check") for c in holding):
        return "check"
    if any(c.get("limited") for c in holding):
        return "limit"
    return "offered" if holding else "absent"


def _norm_text(text: str) -> str:
    return " ".join(str(text).lower().replace("–", "-").split())


def score_topic(topic: dict, draft: dict) -> dict:
    citations, headings = _quoted(draft)
    expected = _groups(topic.get("expect_figures"))
    found = [any(_has(f, citations) for f in group) for group in expected]
    key = _groups(topic.get("key_figures")) or (expected if not topic.get("key_words") else [])
    key_found = [any(_has(f, citations) for f in group) for group in key]
    quoted = _norm_text(" ".join(c.get("quote", "") for c in citations))
    words = _groups(topic.get("key_words"))
    key, key_found = key + words, key_found + [any(_norm_text(w) in quoted for w in g) for g in words]
    candidates = draft.get("candidates") or []
    lost = [_lost_at(g, candidates) for g, ok in zip(key, key_found) if not ok]
    footnotes = {n for c in citations for n in c.get("footnotes", [])}
    wanted = set(topic.get("expect_footnotes") or [])
    refused = bool(draft.get("refused"))
    return {
        "id": topic["id"], "lang": topic.get("lang"), "style": topic.get("style"), "refused": refused,
        "group": topic.get("group", "original"),
        "key_recall": (sum(key_found) / len(key_found)) if key_found else None,
        "key_missing": [g[0] for g, ok in zip(key, key_found) if not ok],
        "key_lost_at": lost,
        "off_topic": off_topic(topic, citations),
        "wrong_headings": wrong_headings(draft),
        "cut_items": [text[-60:] for text in [c.get("quote", "") for c in citations] + draft.get("data_rows", [])
                      if is_cut(text)],
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
    from assistant.drafts.export import indicators

    rows = []
    for topic in load_topics(topics_path):
        started = time.perf_counter()
        try:
            made = draft_justification(assistant, topic["question"], lang=topic.get("lang"), llm=False)
            draft = made.to_dict()
            draft["data_rows"] = [fragment for fragment, _ in indicators(made)]  # the data section's bullets
        except Exception as error:  # noqa: BLE001 - one broken topic must not stop the run
            draft = {"refused": True, "error": f"{type(error).__name__}: {error}"}
        row = score_topic(topic, draft)
        row["ms"] = round((time.perf_counter() - started) * 1000)
        rows.append(row)
    metrics = {"topics": len(rows), **summary(rows)}
    for group in dict.fromkeys(r["group"] for r in rows):
        metrics[f"group {group}"] = summary([r for r in rows if r["group"] == group])
    metrics["rows"] = rows
    if report_dir is not None:
        report_dir = Path(report_dir)
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "results.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
        (report_dir / "report.md").write_text(report_markdown(metrics), encoding="utf-8")
    return metrics


def summary(rows: list[dict]) -> dict:
    """The headline numbers of a set of scored topics (targets: key recall >= 0.90, off-topic <= 1 per draft,
    0 wrong headings, 0 cut items)."""
    answered = [r for r in rows if r["figure_recall"] is not None]
    keyed = [r for r in rows if r["key_recall"] is not None]
    footnoted = [r for r in rows if r["footnote_hit"] is not None]
    drafted = [r for r in rows if not r["refused"]]
    return {
        "topics": len(rows),
        "key_figure_recall": round(sum(r["key_recall"] for r in keyed) / max(1, len(keyed)), 3),
        "figure_recall": round(sum(r["figure_recall"] for r in answered) / max(1, len(answered)), 3),
        "footnote_recall": round(sum(r["footnote_hit"] for r in footnoted) / max(1, len(footnoted)), 3),
        "off_topic_quotes_per_draft": round(sum(len(r["off_topic"]) for r in drafted) / max(1, len(drafted)), 2),
        "off_topic_quotes_max": max((len(r["off_topic"]) for r in drafted), default=0),
        "wrong_headings": sum(len(r["wrong_headings"]) for r in rows),
        "cut_items": sum(len(r["cut_items"]) for r in rows),
        "key_missing_to_check": sum(r.get("key_lost_at", []).count("check") for r in rows),
        "key_missing_over_limit": sum(r.get("key_lost_at", []).count("limit") for r in rows),
        "key_missing_offered": sum(r.get("key_lost_at", []).count("offered") for r in rows),
        "key_missing_absent": sum(r.get("key_lost_at", []).count("absent") for r in rows),
        "wrong_topic_figures": sum(len(r["wrong_topic"]) for r in rows),
        "repeated_headings": sum(r["repeated_headings"] for r in rows),
        "refusals_right": sum(r["refusal_ok"] for r in rows),
        "unflagged_damaged_quotes": sum(r["unflagged_damage"] for r in rows),
        "latency_p50_ms": sorted(r["ms"] for r in rows)[len(rows) // 2] if rows else 0,
    }


def report_markdown(metrics: dict) -> str:
    lines = ["# Draft topics", "", *(f"- {k}: {v}" for k, v in metrics.items() if k != "rows"), "",
             "| id | group | lang | style | key recall | key missing | recall | footnote | off-topic quotes | "
             "wrong headings | cut items | refused |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in metrics["rows"]:
        recall = "–" if r["figure_recall"] is None else f"{r['figure_recall']:.2f}"
        key = "–" if r["key_recall"] is None else f"{r['key_recall']:.2f}"
        cells = [r["id"], r["group"], r["lang"], r["style"], key, ", ".join(r["key_missing"]), recall,
                 r["footnote_hit"], "; ".join(r["off_topic"]), "; ".join(r["wrong_headings"]),
                 "; ".join(r["cut_items"]), r["refused"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def print_drafts(metrics: dict) -> None:
    print("drafts: " + ", ".join(f"{k}={v}" for k, v in metrics.items() if k != "rows" and not k.startswith("group ")))
    for key, value in metrics.items():
        if key.startswith("group "):
            print(f"  {key}: " + ", ".join(f"{k}={v}" for k, v in value.items()))

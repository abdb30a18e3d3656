"""Scoring of answers against the question file: pure functions, no I/O.

Figures are compared on a canonical form of the text (see `canonical`):
- spaces inside thousands are dropped: `25 863`, `25\u00a0863`, `25\u202f863` -> `25863`;
- a decimal comma is a point: `14,2` -> `14.2`;
- every dash is `-` and spaces around a dash between digits go: `10 – 15` -> `10-15`;
and a figure never matches inside a longer number: `18` is not in `185`, `14` is
not in `14,2`, `2` is not in `2025`. (`1,200` in the English style is read as the
decimal 1.2: the report and its extractive answers are Polish-formatted.)

An answer is the plain dict of `Answer.to_dict()`; a question is a dict from the
question file. `score_question` checks one pair, `aggregate` turns the per-question
scores into the headline metrics (definitions in `METRIC_DEFINITIONS`).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Callable, Iterable

SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2009\u2007\u2008\u200a\t\r\n"), " ")
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
MARKER = re.compile(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]")  # [1], [1, 2], [3-4]: citation markers, not figures
THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3}(?!\d))+")
DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
RANGE_DASH = re.compile(r"(?<=\d) ?- ?(?=\d)")
NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)*(?![\d])")  # 31.12.2025 is one token

METRIC_DEFINITIONS = {
    "figure_accuracy": "share of questions with expect_figures (or forbid_figures) whose answer text contains "
    "every expected group (any spelling) and no forbidden figure",
    "word_accuracy": "share of questions with expect_words whose answer text or cited sources' references "
    "contain every group (case-insensitive)",
    "footnote_recall": "share of questions with expect_footnotes that cite at least one matching footnote "
    "(same number, or a footnote of the same source in the bibliography)",
    "footnote_precision": "over those questions, matching cited footnotes / all cited footnotes (pooled)",
    "footnote_recall_answered": "footnote recall over the questions that were answered (a false refusal cites "
    "nothing and counts in false_refusal_rate): is the right work cited when the assistant answers",
    "page_accuracy": "share of answerable questions with expect_pages where a cited page is an expected page",
    "refusal_precision": "refused and expected to refuse / refused",
    "refusal_recall": "refused and expected to refuse / expected to refuse",
    "retrieval_recall": "share of answerable questions with expect_figures whose top-k contexts, together, "
    "contain every expected figure group",
    "mrr": "mean of 1/rank of the first context that alone contains every expected figure group "
    "(0 when none of the top k does)",
    "hallucinated_figures": "numbers in answer texts (citation markers excluded) that none of the answer's "
    "cited quotes contains; must be 0",
    "latency": "wall-clock time of Assistant.ask measured by the harness, in ms",
    "pass_rate": "share of questions passing every check that applies to them",
}


# ---------------------------------------------------------------- figures


def strip_markers(text: str) -> str:
    return MARKER.sub(" ", text or "")


def canonical(text: str) -> str:
    """The text with whitespace, dashes, thousands and decimal commas normalized."""
    text = (text or "").translate(SPACES).translate(DASHES)
    text = re.sub(r" {2,}", " ", text)
    text = RANGE_DASH.sub("-", text)
    text = THOUSANDS.sub(lambda m: m.group().replace(" ", ""), text)
    return DECIMAL_COMMA.sub(".", text)


@lru_cache(maxsize=4096)
def _figure_pattern(figure: str) -> re.Pattern:
    fig = canonical(figure).strip()
    return re.compile(r"(?<!\d)(?<!\d\.)" + re.escape(fig) + r"(?!\d)(?!\.\d)")


def find_figure(text: str, figure: str, is_canonical: bool = False) -> bool:
    """True when `figure` occurs in `text` as a whole number (see the module doc)."""
    if not str(figure).strip():
        return False
    return bool(_figure_pattern(str(figure)).search(text if is_canonical else canonical(text)))


def find_word(text: str, word: str) -> bool:
    return canonical(word).strip().casefold() in canonical(text).casefold()


def group_found(text: str, group: Iterable, finder: Callable[[str, str], bool] = find_figure) -> bool:
    """A group of alternative spellings is found when any of them is."""
    return any(finder(text, str(item)) for item in group)


def missing_groups(text: str, groups: list, finder: Callable[[str, str], bool] = find_figure) -> list[str]:
    """The groups (shown by their first spelling) that `text` does not contain."""
    return [str(group[0]) for group in groups if group and not group_found(text, group, finder)]


def extract_numbers(text: str) -> list[str]:
    """Canonical numbers in a text, citation markers excluded (`10–15` gives 10 and 15)."""
    return NUMBER.findall(canonical(strip_markers(text)))


def unsupported_numbers(answer_text: str, quotes: list[str]) -> list[str]:
    """Numbers of the answer that no quote contains: hallucinated figures."""
    quotes = [canonical(q) for q in quotes]
    return [
        n
        for n in dict.fromkeys(extract_numbers(answer_text))
        if not any(find_figure(q, n, is_canonical=True) for q in quotes)
    ]


# ---------------------------------------------------------------- retrieval


def first_rank(texts: list[str], groups: list) -> int | None:
    """1-based rank of the first text that alone contains every group, None if none does."""
    for rank, text in enumerate(texts, start=1):
        if not missing_groups(text, groups):
            return rank
    return None


def recall_hit(texts: list[str], groups: list, k: int) -> bool:
    """Every group is found somewhere in the first k texts."""
    return not missing_groups("\n".join(texts[:k]), groups)


def retrieval_scores(texts: list[str], groups: list, k: int) -> dict:
    rank = first_rank(texts[:k], groups)
    return {"hit": recall_hit(texts, groups, k), "rank": rank, "rr": 1.0 / rank if rank else 0.0}


# ---------------------------------------------------------------- footnotes


def cited_footnotes(answer: dict) -> list[tuple[str, int]]:
    """(doc, number) of every footnote the answer's citations carry, in order, deduplicated."""
    found: dict[tuple[str, int], None] = {}
    for citation in answer.get("citations") or []:
        doc = citation.get("doc", "")
        numbers = list(citation.get("footnotes") or [])
        numbers += [s.get("footnote") for s in citation.get("sources") or [] if s.get("footnote") is not None]
        for number in numbers:
            found[(doc, int(number))] = None
    return list(found)


def footnote_matches(doc: str, number: int, expected: Iterable[int], source_of: dict) -> bool:
    """Equal numbers, or both footnotes cite the same source (`source_of[(doc, n)] -> source id`)."""
    expected = set(expected)
    if number in expected:
        return True
    source = source_of.get((doc, number))
    return source is not None and any(source_of.get((doc, e)) == source for e in expected)


# ---------------------------------------------------------------- one question


def applies(question: dict, key: str) -> bool:
    return bool(question.get(key)) and not question.get("expect_refusal", False)


def score_question(
    question: dict, answer: dict, source_of: dict | None = None, k: int = 6, wall_ms: float | None = None
) -> dict:
    """Every check for one question; a check that does not apply is None."""
    source_of = source_of or {}
    error = answer.get("error")
    text = strip_markers(answer.get("answer", ""))
    refused = bool(answer.get("refused", False)) and not error  # an error is an error, never a refusal
    citations = answer.get("citations") or []
    quotes = [c.get("quote", "") for c in citations]
    references = " ".join(
        f"{s.get('reference', '')} {s.get('url') or ''}" for c in citations for s in c.get("sources") or []
    )
    contexts = [c.get("text", "") for c in answer.get("contexts") or []]
    expect_refusal = bool(question.get("expect_refusal", False))
    score: dict = {
        "id": question["id"],
        "question": question["question"],
        "kind": question.get("kind") or "",
        "category": question.get("category") or "",
        "lang": question.get("lang") or answer.get("language") or "",
        "section": question.get("section") or "",
        "expect_refusal": expect_refusal,
        "refused": refused,
        "error": error,
        "answer": answer.get("answer", ""),
        "refusal_ok": refused == expect_refusal,
        "latency_ms": wall_ms if wall_ms is not None else float(answer.get("latency_ms") or 0.0),
    }
    figures, forbidden = question.get("expect_figures") or [], question.get("forbid_figures") or []
    score["missing_figures"] = missing_groups(text, figures)
    score["forbidden_found"] = [f for f in forbidden if find_figure(text, str(f))]
    score["figures_ok"] = (
        not score["missing_figures"] and not score["forbidden_found"]
        if (figures or forbidden) and not expect_refusal
        else None
    )
    first_quote = quotes[0] if quotes else ""
    score["first_quote_ok"] = not missing_groups(first_quote, figures) if figures and not expect_refusal else None
    score["confidence"] = answer.get("confidence")
    words = question.get("expect_words") or []
    score["missing_words"] = missing_groups(f"{text}\n{references}", words, find_word)
    score["words_ok"] = not score["missing_words"] if applies(question, "expect_words") else None

    cited = cited_footnotes(answer)
    expected_notes = question.get("expect_footnotes") or []
    score["cited_footnotes"] = [n for _, n in cited]
    score["footnote_hits"] = [n for doc, n in cited if footnote_matches(doc, n, expected_notes, source_of)]
    score["expect_footnotes"] = list(expected_notes)
    score["footnotes_ok"] = bool(score["footnote_hits"]) if applies(question, "expect_footnotes") else None

    score["cited_pages"] = sorted({int(c["page"]) for c in citations if c.get("page") is not None})
    expected_pages = set(question.get("expect_pages") or [])
    score["expect_pages"] = sorted(expected_pages)
    score["pages_ok"] = bool(expected_pages & set(score["cited_pages"])) if applies(question, "expect_pages") else None

    names = [c.get("doc", "") for c in citations]  # "Według dokumentu sources/panorama-2024-full.txt:" is no claim
    score["hallucinated"] = unsupported_numbers(text, quotes + names) if not error else []
    score["retrieval"] = retrieval_scores(contexts, figures, k) if applies(question, "expect_figures") else None
    score["retrieval_at_4"] = retrieval_scores(contexts, figures, 4) if applies(question, "expect_figures") else None
    score["words_in_contexts"] = (
        not missing_groups("\n".join(contexts[:k]), words, find_word) if applies(question, "expect_words") else None
    )
    score["reasons"] = failure_reasons(score)
    score["passed"] = not score["reasons"]
    score["cause"] = failure_cause(score)
    return score


def failure_reasons(score: dict) -> list[str]:
    """Short, readable reasons; a wrong refusal hides the content checks it caused to fail."""
    if score["error"]:
        return [f"error: {score['error']}"]
    if not score["refusal_ok"]:
        return ["refused, should answer" if score["refused"] else "answered, should refuse"]
    reasons = []
    if score["missing_figures"] and score["figures_ok"] is False:
        reasons.append("missing figures " + ", ".join(score["missing_figures"]))
    if score["forbidden_found"]:
        reasons.append("forbidden figures " + ", ".join(map(str, score["forbidden_found"])))
    if score["words_ok"] is False:
        reasons.append("missing words " + ", ".join(score["missing_words"]))
    if score["footnotes_ok"] is False:
        reasons.append(f"footnotes cited {score['cited_footnotes']}, expected {score['expect_footnotes']}")
    if score["pages_ok"] is False:
        reasons.append(f"pages cited {score['cited_pages']}, expected {score['expect_pages']}")
    if score["hallucinated"]:
        reasons.append("hallucinated " + ", ".join(score["hallucinated"]))
    return reasons


CAUSES = (
    "error",
    "refusal error",
    "retrieval miss",
    "wrong sentence picked",
    "footnote mismatch",
    "page mismatch",
    "hallucinated figure",
)


def failure_cause(score: dict) -> str | None:
    """The first cause, in the order of CAUSES, that explains a failing question."""
    if not score["reasons"]:
        return None
    if score["error"]:
        return "error"
    if not score["refusal_ok"]:
        return "refusal error"
    if score["figures_ok"] is False or score["words_ok"] is False:
        retrieved = [score["retrieval"]["hit"]] if score["retrieval"] else []
        if score["words_in_contexts"] is not None:
            retrieved.append(score["words_in_contexts"])
        return "wrong sentence picked" if all(retrieved) else "retrieval miss"
    if score["footnotes_ok"] is False:
        return "footnote mismatch"
    if score["pages_ok"] is False:
        return "page mismatch"
    return "hallucinated figure"


# ---------------------------------------------------------------- aggregate


def ratio(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return sum(map(bool, values)) / len(values) if values else None


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def aggregate(scores: list[dict], k: int = 6) -> dict:
    """Headline metrics over per-question scores (definitions: METRIC_DEFINITIONS)."""
    cited_total = sum(len(s["cited_footnotes"]) for s in scores if s["footnotes_ok"] is not None)
    cited_hits = sum(len(s["footnote_hits"]) for s in scores if s["footnotes_ok"] is not None)
    refused = [s for s in scores if s["refused"]]
    expected = [s for s in scores if s["expect_refusal"]]
    both = [s for s in scores if s["refused"] and s["expect_refusal"]]
    retrieval = [s["retrieval"] for s in scores if s["retrieval"]]
    at4 = [s["retrieval_at_4"] for s in scores if s["retrieval_at_4"]]
    latencies = [s["latency_ms"] for s in scores if s["latency_ms"] is not None]
    causes: dict[str, int] = {}
    for s in scores:
        if s["cause"]:
            causes[s["cause"]] = causes.get(s["cause"], 0) + 1
    return {
        "questions": len(scores),
        "passed": sum(s["passed"] for s in scores),
        "pass_rate": ratio([s["passed"] for s in scores]),
        "figure_accuracy": ratio([s["figures_ok"] for s in scores]),
        "figure_questions": sum(s["figures_ok"] is not None for s in scores),
        "first_quote_accuracy": ratio([s.get("first_quote_ok") for s in scores]),
        "word_accuracy": ratio([s["words_ok"] for s in scores]),
        "footnote_recall": ratio([s["footnotes_ok"] for s in scores]),
        "footnote_precision": cited_hits / cited_total if cited_total else None,
        "footnote_recall_answered": ratio([s["footnotes_ok"] for s in scores if not s["refused"]]),
        "page_accuracy": ratio([s["pages_ok"] for s in scores]),
        "refusal_precision": len(both) / len(refused) if refused else None,
        "refusal_recall": len(both) / len(expected) if expected else None,
        "false_refusals": len(refused) - len(both),
        "false_refusal_rate": ((len(refused) - len(both)) / answerable)
        if (answerable := len(scores) - len(expected))
        else None,
        "k": k,
        "retrieval_recall_at_k": ratio([r["hit"] for r in retrieval]),
        "mrr_at_k": sum(r["rr"] for r in retrieval) / len(retrieval) if retrieval else None,
        "retrieval_recall_at_4": ratio([r["hit"] for r in at4]),
        "mrr_at_4": sum(r["rr"] for r in at4) / len(at4) if at4 else None,
        "retrieval_questions": len(retrieval),
        "hallucinated_figures": sum(len(s["hallucinated"]) for s in scores),
        "questions_with_hallucinations": sum(bool(s["hallucinated"]) for s in scores),
        "errors": sum(bool(s["error"]) for s in scores),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "failure_causes": causes,
        "counts": {name: count([s[key] for s in scores]) for name, key in RATIO_KEYS.items()}
        | {name: count([s[key] for s in scores if not s["refused"]]) for name, key in ANSWERED_KEYS.items()}
        | {
            "footnote_precision": [cited_hits, cited_total],
            "refusal_precision": [len(both), len(refused)],
            "refusal_recall": [len(both), len(expected)],
            "retrieval_recall_at_k": count([r["hit"] for r in retrieval]),
            "retrieval_recall_at_4": count([r["hit"] for r in at4]),
        },
    }


RATIO_KEYS = {
    "pass_rate": "passed",
    "figure_accuracy": "figures_ok",
    "first_quote_accuracy": "first_quote_ok",
    "word_accuracy": "words_ok",
    "footnote_recall": "footnotes_ok",
    "page_accuracy": "pages_ok",
}
ANSWERED_KEYS = {"footnote_recall_answered": "footnotes_ok"}


def count(values: list) -> list[int]:
    """[true, applicable] of a list of booleans where None means 'does not apply'."""
    values = [v for v in values if v is not None]
    return [sum(map(bool, values)), len(values)]


def breakdown(scores: list[dict], key: str) -> dict[str, dict]:
    """Pass rate and figure accuracy per value of `key` (section, kind, lang)."""
    groups: dict[str, list[dict]] = {}
    for s in scores:
        groups.setdefault(s.get(key) or "(none)", []).append(s)
    return {
        name: {
            "questions": len(items),
            "pass_rate": ratio([s["passed"] for s in items]),
            "figure_accuracy": ratio([s["figures_ok"] for s in items]),
        }
        for name, items in sorted(groups.items())
    }


def order_failures_first(scores: list[dict]) -> list[dict]:
    rank = {cause: i for i, cause in enumerate(CAUSES)}
    return sorted(scores, key=lambda s: (s["passed"], rank.get(s["cause"], 99), s["id"]))

"""`python -m eval diff BEFORE AFTER`: what changed between two runs' results.jsonl, question by question.

Latency aside, a question differs when its answer, refusal, error, mode, citations (page, section,
quote, footnotes, sources), "see also" passages or retrieved contexts do, or when it passed in one run
and failed in the other (`pass`, written by `eval run` since issue 28). Fields added to the answer later
are ignored, so a refactor can be checked against an old run. Exit 0: identical; 1: some differ; 2: bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

from .harness import EvalError

CITATION_KEYS = ("marker", "doc", "page", "section", "quote", "footnotes")


def _citations(items: list | None) -> list[dict]:
    return [{k: c.get(k) for k in CITATION_KEYS} | {"sources": [s.get("id") for s in c.get("sources") or []]}
            for c in items or []]


def comparable(answer: dict) -> dict:
    """The fields of an answer line that a change of behaviour shows in."""
    return {
        "answer": answer.get("answer"),
        "refused": answer.get("refused"),
        "error": answer.get("error"),
        "mode": answer.get("mode"),
        "citations": _citations(answer.get("citations")),
        "see_also": _citations(answer.get("see_also")),
        "contexts": [(c.get("chunk_id"), c.get("score")) for c in answer.get("contexts") or []],
        "pass": answer.get("pass"),
    }


def load_results(path: Path) -> dict[str, dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalError(f"results file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalError(f"cannot read {path}: {error}") from None
    rows = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalError(f"{path}, line {number}: not a JSON answer line ({error.msg})") from None
        if not isinstance(row, dict) or "id" not in row:
            raise EvalError(f"{path}, line {number}: an answer line needs an `id` (a results.jsonl of `eval run`)")
        rows[str(row["id"])] = row
    return rows


def changes(before: dict[str, dict], after: dict[str, dict]) -> list[dict]:
    """One entry per question that differs: id, the fields that changed, and pass before and after."""
    found = []
    for qid in sorted(before.keys() | after.keys()):
        old, new = before.get(qid), after.get(qid)
        if old is None or new is None:
            found.append({"id": qid, "fields": ["only in " + ("after" if old is None else "before")],
                          "pass_before": (old or {}).get("pass"), "pass_after": (new or {}).get("pass")})
            continue
        a, b = comparable(old), comparable(new)
        fields = sorted(k for k in a if a[k] != b[k])
        if fields:
            found.append({"id": qid, "fields": fields, "pass_before": old.get("pass"), "pass_after": new.get("pass"),
                          "reasons_after": new.get("reasons") or []})
    return found


def _verdict(value) -> str:
    return "?" if value is None else "pass" if value else "FAIL"


def diff_command(before_path: Path, after_path: Path, as_json: bool = False) -> int:
    before, after = load_results(before_path), load_results(after_path)
    found = changes(before, after)
    if as_json:
        print(json.dumps({"before": len(before), "after": len(after), "changed": found}, ensure_ascii=False, indent=1))
    else:
        for item in found:
            verdicts = ""
            if item["pass_before"] != item["pass_after"]:
                verdicts = f" [{_verdict(item['pass_before'])} -> {_verdict(item['pass_after'])}]"
                if item.get("reasons_after"):
                    verdicts += " " + "; ".join(item["reasons_after"])
            print(f"{item['id']}: {', '.join(item['fields'])}{verdicts}")
        fixed = sum(1 for i in found if i["pass_before"] is False and i["pass_after"] is True)
        broken = sum(1 for i in found if i["pass_before"] is True and i["pass_after"] is False)
        print(f"{len(before)} vs {len(after)} questions, {len(found)} differ (latency aside); "
              f"{fixed} now pass, {broken} now fail")
    return 1 if found else 0

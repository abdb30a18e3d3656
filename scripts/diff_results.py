"""Compare two results.jsonl files question by question, latency aside.

`python scripts/diff_results.py before.jsonl after.jsonl` prints the ids whose answer, refusal,
citations (page, section, quote, footnotes) or contexts differ, and exits 1 if any do. Fields
added later (citation ids, `missing`) are ignored, so a refactor can be checked against an old run.
"""

from __future__ import annotations

import json
import sys

CITATION_KEYS = ("marker", "doc", "page", "section", "quote", "footnotes")


def _citations(items: list | None) -> list[dict]:
    return [{k: c.get(k) for k in CITATION_KEYS} | {"sources": [s.get("id") for s in c.get("sources", [])]}
            for c in items or []]


def comparable(answer: dict) -> dict:
    cite = _citations
    return {
        "answer": answer.get("answer"),
        "refused": answer.get("refused"),
        "error": answer.get("error"),
        "mode": answer.get("mode"),
        "citations": cite(answer.get("citations")),
        "see_also": cite(answer.get("see_also")),
        "contexts": [(c.get("chunk_id"), c.get("score")) for c in answer.get("contexts") or []],
    }


def load(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {row["id"]: comparable(row) for row in map(json.loads, handle)}


def main(before_path: str, after_path: str) -> int:
    before, after = load(before_path), load(after_path)
    differing = sorted(i for i in before.keys() | after.keys() if before.get(i) != after.get(i))
    for qid in differing:
        old, new = before.get(qid) or {}, after.get(qid) or {}
        fields = [k for k in old.keys() | new.keys() if old.get(k) != new.get(k)]
        print(f"{qid}: {', '.join(sorted(fields))}")
    print(f"{len(before)} vs {len(after)} questions, {len(differing)} differ (latency aside)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

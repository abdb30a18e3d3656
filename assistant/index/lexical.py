"""BM25 (bm25s) over the lemma tokens of `assistant.lemmas`."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s

from assistant.lemmas import tokenize


class LexicalIndex:
    """bm25s over lemma tokens; ids are chunk ids in index order."""

    def __init__(self, ids: list[str], retriever: bm25s.BM25) -> None:
        self.ids = ids
        self._retriever = retriever

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "LexicalIndex":
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["_"] for t in texts], show_progress=False)
        return cls(list(ids), retriever)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(query)
        if not tokens or not self.ids:
            return []
        k = min(k, len(self.ids))
        results, scores = self._retriever.retrieve([tokens], k=k, show_progress=False)
        return [(self.ids[int(i)], float(s)) for i, s in zip(results[0], scores[0]) if s > 0]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder))
        (folder / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        return cls(ids, bm25s.BM25.load(str(folder)))

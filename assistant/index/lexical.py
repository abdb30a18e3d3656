"""BM25 (bm25s) over the lemma tokens of `assistant.lemmas`."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s

from assistant.lemmas import tokenize
from assistant.types import Chunk


def lexical_text(chunk: Chunk) -> str:
    """What the lexical index reads of a chunk (ingest indexes it; a filtered search re-indexes the same text)."""
    return f"{chunk.section}\n{chunk.text}"


class LexicalIndex:
    """bm25s over lemma tokens; ids are chunk ids in index order."""

    def __init__(self, ids: list[str], retriever: bm25s.BM25 | None) -> None:
        self.ids = ids
        self._retriever = retriever

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "LexicalIndex":
        if not ids:  # nothing to index (a filter keeping no chunk): every search finds nothing
            return cls([], None)
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["_"] for t in texts], show_progress=False)
        return cls(list(ids), retriever)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(query)
        if not tokens or not self.ids or self._retriever is None:
            return []
        k = min(k, len(self.ids))
        results, scores = self._retriever.retrieve([tokens], k=k, show_progress=False)
        return [(self.ids[int(i)], float(s)) for i, s in zip(results[0], scores[0]) if s > 0]

    def subset(self, chunks: dict[str, Chunk], docs: frozenset[str]) -> "LexicalIndex":
        """The index of `docs`' chunks alone, in this index's order: BM25's IDF and document lengths are then
        those of these documents, so a filtered search ranks them as if nothing else were indexed (issue 26:
        the report's answers and their signals do not depend on what else is indexed)."""
        ids = [i for i in self.ids if i in chunks and chunks[i].doc in docs]
        return LexicalIndex.build(ids, [lexical_text(chunks[i]) for i in ids])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder))
        (folder / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        return cls(ids, bm25s.BM25.load(str(folder)))

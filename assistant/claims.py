"""Claim checks at answer time: looked up in what ingest stored (ingest.claims), never computed here.

Why a lookup: checking a sentence against a whole source takes far longer than an answer may, so ingest
checks every footnoted report sentence once and stores the verdicts in the generation's bibliography file.
Here they are read once per published generation and indexed by (document, footnote); a citation's
check is the stored one of a sentence its quote is made of. `check_line` is the one wording of a check
that the CLI, the web chat and drafts show.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.types import SourceCheck

if TYPE_CHECKING:
    from assistant.index.store import StoreSnapshot

# figure_differs first: a reader must see a discrepancy even when another quoted sentence is confirmed
PRIORITY = {"figure_differs": 0, "confirmed": 1, "not_found": 2}


@dataclass
class ClaimIndex:
    """The stored checks of one generation."""

    by_note: dict[tuple[str, int], list[tuple[str, dict]]] = field(default_factory=dict)  # -> [(sentence, check)]
    full_text: dict[str, str] = field(default_factory=dict)  # source id -> its indexed file
    files: list[dict] = field(default_factory=list)  # every corpus/sources/ file and how it was matched

    @classmethod
    def from_stored(cls, stored: dict) -> "ClaimIndex":
        index = cls(files=list(stored.get("files") or []))
        for item in index.files:
            if item.get("source"):
                index.full_text.setdefault(item["source"], item["file"])
        for check in stored.get("claims") or []:
            index.by_note.setdefault((check["doc"], check["footnote"]), []).append((check["sentence"], check))
        return index


_CACHE: dict[str, ClaimIndex] = {}
_LOCK = threading.Lock()


def claim_index(snapshot: "StoreSnapshot") -> ClaimIndex:
    """The checks of the snapshot's generation, read on first use (a store built before them has none)."""
    path = snapshot.generation.bibliography
    key = str(path)
    if key not in _CACHE:
        with _LOCK:
            if key not in _CACHE:
                try:
                    stored = json.loads(path.read_text(encoding="utf-8")).get("full_texts") or {}
                except (OSError, ValueError, AttributeError):
                    stored = {}
                _CACHE[key] = ClaimIndex.from_stored(stored)
    return _CACHE[key]


def source_check(snapshot: "StoreSnapshot", doc: str, footnote: int, source_id: str, quote: str,
                 sentences: list[str]) -> SourceCheck | None:
    """The check shown under footnote `footnote` of a quote from `doc`: None when the source's text is
    not indexed; the stored check of a quoted sentence citing that footnote otherwise."""
    index = claim_index(snapshot)
    file = index.full_text.get(source_id)
    if file is None:
        return None
    quoted = " ".join(quote.split())
    found = [check for sentence, check in index.by_note.get((doc, footnote), [])
             if sentence in sentences or " ".join(sentence.split()) in quoted]
    if not found:
        return SourceCheck("not_found", file)
    best = min(found, key=lambda check: PRIORITY.get(check["state"], 3))
    return SourceCheck(best["state"], best["file"], best.get("page"), best.get("quote"), best.get("figure"),
                       best.get("source_figure"))


WORDS = {
    "pl": {"confirmed": "Potwierdzone w źródle", "figure_differs": "Inna liczba w źródle",
           "not_found": "Nie znaleziono w źródle", "page": "s.", "report": "raport", "source": "źródło"},
    "en": {"confirmed": "Confirmed in source", "figure_differs": "Figure differs in source",
           "not_found": "Not found in source", "page": "p.", "report": "report", "source": "source"},
}


def check_line(check: SourceCheck, language: str) -> str:
    """One line: the verdict, both figures when they differ, where in the source, and its passage."""
    words = WORDS.get(language, WORDS["en"])
    head = words.get(check.state, check.state)
    if check.state == "figure_differs" and check.figure and check.source_figure:
        head += f" ({words['report']}: {check.figure}, {words['source']}: {check.source_figure})"
    where = check.doc + (f", {words['page']} {check.page}" if check.page else "")
    open_, close = ("„", "”") if language == "pl" else ("“", "”")
    passage = f": {open_}{check.quote}{close}" if check.quote else ""
    return f"{head} [{where}]{passage}"


def full_text_files(snapshot: "StoreSnapshot") -> tuple[dict[str, str], list[dict]]:
    """(source id -> its indexed file, every corpus/sources/ file with how it was matched): `klastry sources`."""
    index = claim_index(snapshot)
    return dict(index.full_text), list(index.files)

"""Citations a reader can check: page, section, verbatim quote, footnotes and their sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.strings import message
from assistant.types import Chunk, Citation, CitedSource, SentenceRef

if TYPE_CHECKING:
    from assistant.index.store import StoreSnapshot


def make_citation(marker: int, chunk: Chunk, quote: str, footnotes: list[int], snapshot: "StoreSnapshot",
                  sentences: list[SentenceRef] | None = None) -> Citation:
    sources = []
    for number in footnotes:
        source_id = snapshot.footnote_source.get((chunk.doc, number))
        source = snapshot.sources.get(source_id) if source_id else None
        if source is None:
            continue
        sources.append(CitedSource(footnote=number, id=source.id, reference=source.reference,
                                   url=source.url, doi=source.doi))
    return Citation(marker=marker, doc=chunk.doc, title=chunk.title, page=chunk.page, section=chunk.section,
                    quote=quote, footnotes=list(footnotes), sources=sources, chunk_id=chunk.id,
                    sentences=list(sentences or []))


def format_sources(citations: list[Citation], language: str) -> str:
    """The plain-text "Źródła" / "Sources" block printed under an answer."""
    if not citations:
        return ""
    page_word, note_word = message("page_abbr", language), message("footnote", language)
    lines = [message("sources", language)]
    for c in citations:
        where = ", ".join(part for part in (c.title, f"{page_word} {c.page}", c.section) if part)
        lines.append(f"[{c.marker}] {where}")
        lines.append(f"    „{c.quote}”")
        for s in c.sources:
            link = f" https://doi.org/{s.doi}" if s.doi and not (s.url or "").endswith(s.doi) else ""
            url = f" {s.url}" if s.url and s.url not in s.reference else ""
            lines.append(f"    {note_word} {s.footnote}: {s.reference}{url}{link}")
    return "\n".join(lines)

"""Citations a reader can check: page, section, verbatim quote, footnotes and their sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.claims import check_line, source_check
from assistant.drafts.damage import damage
from assistant.strings import message
from assistant.types import Chunk, Citation, CitedSource, SentenceRef

if TYPE_CHECKING:
    from assistant.index.store import StoreSnapshot


def make_citation(marker: int, chunk: Chunk, quote: str, footnotes: list[int], snapshot: "StoreSnapshot",
                  sentences: list[SentenceRef] | None = None) -> Citation:
    sources = []
    quoted = _sentence_texts(snapshot, sentences or [])
    for number in footnotes:
        source_id = snapshot.footnote_source.get((chunk.doc, number))
        source = snapshot.sources.get(source_id) if source_id else None
        if source is None:
            continue
        check = source_check(snapshot, chunk.doc, number, source.id, quote, quoted)  # stored at ingest: a lookup
        sources.append(CitedSource(footnote=number, id=source.id, reference=source.reference,
                                   url=source.url, doi=source.doi, check=check))
    return Citation(marker=marker, doc=chunk.doc, title=chunk.title, page=chunk.page, section=chunk.section,
                    quote=quote, footnotes=list(footnotes), sources=sources, chunk_id=chunk.id,
                    sentences=list(sentences or []), damaged=damage(quote, tuple(footnotes)))


def _sentence_texts(snapshot: "StoreSnapshot", refs: list[SentenceRef]) -> list[str]:
    texts = []
    for chunk_id, index in refs:
        chunk = snapshot.chunks.get(chunk_id)
        if chunk is not None and 0 <= index < len(chunk.sentences):
            texts.append(chunk.sentences[index].text)
    return texts


def format_sources(citations: list[Citation], language: str, see_also: bool = False) -> str:
    """The plain-text "Źródła" / "Sources" block printed under an answer, one `[n]` per citation.

    With `see_also=True`, the "Zobacz też (to nie jest odpowiedź)" block of a refusal: the same lines,
    labelled `↗ n` rather than `[n]`, since they are not cited by the answer. A part that is empty
    (a `.md` without headings has no section, a text without pages no page) is left out, not shown
    as an empty field."""
    if not citations:
        return ""
    page_word, note_word = message("page_abbr", language), message("footnote", language)
    lines = [message("see_also" if see_also else "sources", language)]
    for number, c in enumerate(citations, start=1):
        head = f"↗ {number}" if see_also else f"[{c.marker}]"
        where = ", ".join(part for part in (c.title or c.doc, f"{page_word} {c.page}" if c.page else "", c.section)
                          if part)
        lines.append(f"{head} {where}")
        lines.append(f"    „{c.quote}”")
        if c.damaged:  # the report's own text is damaged here (assistant.drafts.damage): said, never silently pasted
            lines.append("    ⚠ " + message("damaged_quote", language, piece=c.damaged))
        for s in c.sources:
            link = f" https://doi.org/{s.doi}" if s.doi and not (s.url or "").endswith(s.doi) else ""
            url = f" {s.url}" if s.url and s.url not in s.reference else ""
            lines.append(f"    {note_word} {s.footnote}: {s.reference}{url}{link}")
            if s.check is not None:  # the cited work's own text says (issue 16)
                lines.append(f"      {check_line(s.check, language)}")
    return "\n".join(lines)


def other_value_line(value, language: str) -> str:
    """One line under an answer (issue 26): another document's figure for what the answer states."""
    page = f" ({message('page_abbr', language)} {value.page})" if value.page else ""
    return f"{message('other_value', language, doc=value.doc)} „{value.quote}”{page}"

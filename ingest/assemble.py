"""Parsed records -> the chunks of one generation: report chunks plus one chunk per bibliography source."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.index.lexical import lexical_text  # noqa: F401  (the one definition; pipeline imports it from here)
from assistant.types import Chunk, Footnote, Sentence, Source

from .footnotes import build_bibliography


@dataclass
class Assembled:
    chunks: list[Chunk]
    footnotes: list[dict]  # {"doc", "number", "page", "text", "urls", "doi", "source"}
    sources: list[Source]

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.chunks]


def assemble(records: dict[str, dict]) -> Assembled:
    """All report chunks plus one small document per bibliography source, documents in name order."""
    chunks: list[Chunk] = []
    footnotes_out: list[dict] = []
    sources_out: list[Source] = []
    for rel, record in sorted(records.items()):
        doc_chunks = [Chunk.from_dict(c) for c in record["chunks"]]
        chunks.extend(doc_chunks)
        notes = [Footnote(**{**n, "urls": tuple(n["urls"])}) for n in record["footnotes"]]
        by_number = build_bibliography(notes)
        seen: dict[str, Source] = {}
        for note in notes:
            source = by_number[note.number]
            seen[source.id] = source
            footnotes_out.append({"doc": rel, "number": note.number, "page": note.page, "text": note.text,
                                  "urls": list(note.urls), "doi": note.doi, "source": source.id})
        for source in seen.values():
            sources_out.append(source)
            chunks.append(source_chunk(rel, record["title"], source, notes, doc_chunks))
    return Assembled(chunks, footnotes_out, sources_out)


def source_chunk(doc: str, title: str, source: Source, notes: list[Footnote], doc_chunks: list[Chunk]) -> Chunk:
    """A bibliography entry as a document: the reference, where it is cited, and what it backs."""
    pages = sorted({n.page for n in notes if n.number in source.footnotes})
    citing = [s.text for c in doc_chunks for s in c.sentences if set(s.footnotes) & set(source.footnotes)]
    label = "Przypis" if len(source.footnotes) == 1 else "Przypisy"
    link = source.doi and f"DOI {source.doi}" or source.url or ""
    text = f"{label} {', '.join(map(str, source.footnotes))} (s. {', '.join(map(str, pages))}): {source.reference}"
    if link and link not in text:
        text += f" {link}"
    context = " ".join(citing)[:500]
    if context:
        text += f"\nCytowane przy: {context}"
    digest = hashlib.sha1(f"{doc}|{source.id}|{text}".encode()).hexdigest()[:12]
    return Chunk(id=f"{doc}:source:{source.id}:{digest}", doc=doc, title=title, page=pages[0] if pages else 0,
                 section="Przypisy i źródła", text=text, sentences=[Sentence(text, tuple(source.footnotes))],
                 kind="source")


def embedding_text(chunk: Chunk) -> str:
    return f"{chunk.section}: {chunk.text}"


def chunk_metadata(chunk: Chunk) -> dict:
    """Flat metadata for Chroma (and LangChain's `Chroma` wrapper)."""
    return {"doc": chunk.doc, "title": chunk.title, "page": chunk.page, "section": chunk.section,
            "footnotes": ",".join(map(str, chunk.footnotes)), "kind": chunk.kind,
            "start": chunk.start, "end": chunk.end}

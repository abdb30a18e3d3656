"""What the store holds: the indexed documents and the bibliography (`klastry sources`).

Reads the published generation only (its manifest, chunks and bibliography): no Chroma, no
embedder, so it answers in well under a second. `REPORT_DOC` names the report itself; every other
document in corpus/ is a user's own document (answers quoting it name it instead of "the report").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.index.store import StoreSnapshot
    from assistant.settings import Settings

REPORT_DOC = "raport-klastry.pdf"  # corpus/raport-klastry.pdf: "Klastry przemysłowe w Polsce..."
REPORT_ONLY = ("raport", "report")  # a document filter's name for the report alone
WITH_SOURCES = ("wszystko", "all")  # ... and for every document (no filter)


def filter_names(docs: list[str]) -> list[str]:
    """The names a document filter accepts (`ask --doc`, `docs` in /ask_json, the chat's selector)."""
    return [REPORT_ONLY[0], WITH_SOURCES[1], *sorted(docs, key=lambda d: (not is_report(d), d))]


def is_report(doc: str) -> bool:
    """True for the report's own PDF (its file name, wherever it sits under corpus/)."""
    return doc.replace("\\", "/").rsplit("/", 1)[-1] == REPORT_DOC


def list_sources(snapshot: "StoreSnapshot") -> dict[str, Any]:
    """{"documents": [...], "sources": [...]}: each indexed file, and each cited work with its footnotes.

    A source's `full_text` is the indexed file of the cited work's own text (corpus/sources/), else null;
    a document of corpus/sources/ says which work it is the text of (`full_text_of`, null: an extra document)."""
    from assistant.claims import full_text_files

    full_text, files = full_text_files(snapshot)
    matched = {f["file"]: f for f in files}
    titles: dict[str, str] = {}
    for chunk in snapshot.chunks.values():
        titles.setdefault(chunk.doc, chunk.title)
    documents = [{"doc": doc, "title": titles.get(doc, ""), "report": is_report(doc), "pages": entry.pages,
                  "skipped_pages": entry.skipped_pages, "chunks": entry.chunks, "sha256": entry.sha256,
                  **({"full_text_of": matched[doc]["source"], "matched": matched[doc]} if doc in matched else {})}
                 for doc, entry in sorted(snapshot.manifest.files.items(), key=lambda item: (not is_report(item[0]),
                                                                                               item[0]))]
    cited_in: dict[str, list[dict[str, Any]]] = {}
    for (doc, number), source_id in sorted(snapshot.footnote_source.items()):
        cited_in.setdefault(source_id, []).append({"doc": doc, "footnote": number})
    sources = []
    for source in sorted(snapshot.sources.values(), key=lambda s: (min(s.footnotes, default=0), s.id)):
        sources.append({"id": source.id, "reference": source.reference, "kind": source.kind,
                        "authors": source.authors, "year": source.year, "url": source.url, "doi": source.doi,
                        "footnotes": list(source.footnotes), "cited_in": cited_in.get(source.id, []),
                        "full_text": full_text.get(source.id)})
    return {"store": str(snapshot.generation.path.parent), "documents": documents, "sources": sources,
            "doc_names": filter_names(list(snapshot.manifest.files))}


def load_sources(settings: "Settings") -> dict[str, Any]:
    """`list_sources` of the published store of `settings` (a `StoreError` when there is none)."""
    from assistant.index.store import load_snapshot

    return list_sources(load_snapshot(settings))


def format_listing(listing: dict[str, Any]) -> str:
    """The plain-text listing: documents first, then one line per source (id, footnotes, reference)."""
    lines = [f"documents ({len(listing['documents'])}):"]
    for d in listing["documents"]:
        role = "the report" if d["report"] else "own document"
        if "full_text_of" in d:
            role = f"full text of {d['full_text_of']}" if d["full_text_of"] else "extra document, not cited"
        pages, chunks = _count(d["pages"], "page"), _count(d["chunks"], "chunk")
        if d.get("skipped_pages"):
            pages += " (skipped " + ", ".join(f"p. {page}: {why}" for page, why in d["skipped_pages"]) + ")"
        lines.append(f"  {d['doc']}  ({role}; {pages}, {chunks})  {d['title']}")
    lines.append(f"names for --doc: {', '.join(listing['doc_names'])}")
    lines.append("")
    texts = sum(1 for s in listing["sources"] if s["full_text"])
    lines.append(f"sources ({len(listing['sources'])}; full texts indexed: {texts or 'none'}):")
    for s in listing["sources"]:
        notes = ", ".join(str(n) for n in s["footnotes"])
        link = s["url"] or (f"https://doi.org/{s['doi']}" if s["doi"] else "")
        extra = f" {link}" if link and link not in s["reference"] else ""
        text = f"  (full text: {s['full_text']})" if s["full_text"] else ""
        lines.append(f"  {s['id']}  [footnotes {notes}]  {s['reference']}{extra}{text}")
    return "\n".join(lines)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")

"""Ingest run: corpus files -> parsed chunks -> Chroma + lexical index + bibliography.

Incremental and crash-safe: files are hashed, unchanged files reuse their chunks,
only chunk ids Chroma does not have yet are embedded, and the new generation is
published by one atomic manifest swap before anything old is deleted.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant.index.embeddings import embedder_name, make_embedder
from assistant.glossary import glossary_texts
from assistant.index.lexical import LexicalIndex
from assistant.lemmas import vocabulary_lemmas, warm_lemmatizer
from assistant.settings import Settings
from assistant.index.store import StoreError, chroma_client, get_collection, read_manifest, write_json_atomic
from assistant.types import Chunk, Footnote, Sentence, Source

from .document import parse_document
from .errors import IngestError
from .footnotes import build_bibliography
from .readers import SUPPORTED, read_document

BATCH = 16
STATE_VERSION = 1
PARSER_VERSION = 8  # bump when parsing changes: files are re-parsed (unchanged chunks are not re-embedded)


@dataclass
class IngestSummary:
    files: int = 0
    pages: int = 0
    chunks: int = 0
    footnotes: int = 0
    sources: int = 0
    embedded: int = 0
    deleted: int = 0
    skipped: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    store: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in Path(corpus).rglob("*") if p.is_file() and not p.name.startswith("."))


def run_ingest(settings: Settings, rebuild: bool = False, progress: Callable[[str, int], None] | None = None,
               on_skip: Callable[[str, str], None] | None = None) -> IngestSummary:
    started = time.perf_counter()
    warm_lemmatizer()  # simplemma's dictionaries (~10 s) load while the embedder works
    store_dir = Path(settings.store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    name = embedder_name(settings.embedder)
    old = read_manifest(store_dir)
    if old and old.get("embedder") != name and not rebuild:
        raise StoreError(f"the index was built with {old.get('embedder')!r}, now {name!r} is configured: "
                         f"run `python -m ingest --rebuild`")
    if rebuild:
        old = None
    old_files = (old or {}).get("files", {})
    old_records = _load_records(store_dir, old)
    summary = IngestSummary(store=str(store_dir))

    records: dict[str, dict] = {}
    for path in corpus_files(settings.corpus_dir):
        rel = path.relative_to(settings.corpus_dir).as_posix()
        try:
            digest = file_hash(path)
            if (rel in old_files and old_files[rel]["sha256"] == digest and rel in old_records
                    and old_records[rel].get("parser") == PARSER_VERSION):
                records[rel] = old_records[rel]
            else:
                records[rel] = _parse_file(path, rel, digest)
        except IngestError as error:
            summary.skipped.append({"file": rel, "reason": str(error)})
            if on_skip:
                on_skip(rel, str(error))
            if rel in old_records:
                records[rel] = old_records[rel]  # keep what was indexed before: nothing is lost
        if progress:
            progress(rel, 1)

    unchanged = (old is not None and not summary.skipped and set(records) == set(old_files)
                 and all(records[rel] is old_records.get(rel) for rel in records))
    if unchanged:  # nothing to do: no embedding, no new generation
        summary.files, summary.chunks = len(records), old.get("chunks", 0)
        summary.pages = sum(r["pages"] for r in records.values())
        summary.footnotes = sum(len(r["footnotes"]) for r in records.values())
        summary.sources = old.get("sources", 0)
        summary.seconds = round(time.perf_counter() - started, 2)
        return summary
    chunks, footnotes_out, sources_out = _assemble(records)
    client = chroma_client(settings)
    collection = get_collection(client, settings, name, create=True)
    stored_embedder = (collection.metadata or {}).get("embedder")
    if stored_embedder and stored_embedder != name:
        client.delete_collection(settings.collection)
        collection = get_collection(client, settings, name, create=True)
    summary.embedded = _embed_missing(collection, chunks, settings.embedder)
    _embed_sentences(records, settings.embedder)

    generation = f"gen-{int(time.time() * 1000)}"
    gen_dir = store_dir / generation
    gen_dir.mkdir()
    (gen_dir / "chunks.json").write_text(json.dumps([c.to_dict() for c in chunks], ensure_ascii=False), "utf-8")
    (gen_dir / "bibliography.json").write_text(
        json.dumps({"sources": [s.to_dict() for s in sources_out], "footnotes": footnotes_out}, ensure_ascii=False), "utf-8")
    (gen_dir / "records.json").write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    LexicalIndex.build([c.id for c in chunks], [lexical_text(c) for c in chunks]).save(gen_dir / "lexical")
    vocabulary = [lexical_text(c) for c in chunks] + glossary_texts()  # glossary terms are tokenized per question
    (gen_dir / "lemmas.json").write_text(json.dumps(vocabulary_lemmas(vocabulary), ensure_ascii=False), "utf-8")
    _write_sentence_vectors(gen_dir, records)
    manifest = {
        "version": STATE_VERSION, "generation": generation, "embedder": name, "collection": settings.collection,
        "files": {rel: {"sha256": r["sha256"], "pages": r["pages"], "chunks": len(r["chunks"])} for rel, r in records.items()},
        "chunks": len(chunks), "sources": len(sources_out), "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_json_atomic(store_dir / "manifest.json", manifest)  # the commit point

    live = {c.id for c in chunks}
    stale = [i for i in collection.get(include=[])["ids"] if i not in live]
    for start in range(0, len(stale), 500):
        collection.delete(ids=stale[start:start + 500])
    summary.deleted = len(stale)
    for folder in store_dir.glob("gen-*"):
        if folder.name != generation:
            shutil.rmtree(folder, ignore_errors=True)

    summary.files = len(records)
    summary.pages = sum(r["pages"] for r in records.values())
    summary.chunks = len(chunks)
    summary.footnotes = len(footnotes_out)
    summary.sources = len(sources_out)
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _load_records(store_dir: Path, manifest: dict | None) -> dict[str, dict]:
    if not manifest:
        return {}
    path = store_dir / manifest["generation"] / "records.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def _parse_file(path: Path, rel: str, digest: str) -> dict:
    title, pages = read_document(path)
    parsed = parse_document(rel, title, pages)
    if not parsed.chunks:
        raise IngestError("no text found to index")
    return {"sha256": digest, "parser": PARSER_VERSION, "title": title, "pages": len(pages),
            "chunks": [c.to_dict() for c in parsed.chunks],
            "footnotes": [dict(n.__dict__, urls=list(n.urls)) for n in parsed.footnotes]}


def _assemble(records: dict[str, dict]) -> tuple[list[Chunk], list[dict], list[Source]]:
    """All report chunks plus one small document per bibliography source."""
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
    return chunks, footnotes_out, sources_out


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
                 section="Przypisy i źródła", text=text, sentences=[Sentence(text, tuple(source.footnotes))], kind="source")


def lexical_text(chunk: Chunk) -> str:
    return f"{chunk.section}\n{chunk.text}"


def embedding_text(chunk: Chunk) -> str:
    return f"{chunk.section}: {chunk.text}"


def _embed_missing(collection, chunks: list[Chunk], embedder_spec: str) -> int:
    ids = [c.id for c in chunks]
    existing = set()
    for start in range(0, len(ids), 500):
        existing.update(collection.get(ids=ids[start:start + 500], include=[])["ids"])
    missing = [c for c in chunks if c.id not in existing]
    if not missing:
        return 0
    embedder = make_embedder(embedder_spec)
    for start in range(0, len(missing), BATCH):
        batch = missing[start:start + BATCH]
        vectors = embedder.embed_documents([embedding_text(c) for c in batch])
        collection.upsert(ids=[c.id for c in batch], embeddings=vectors, documents=[c.text for c in batch],
                          metadatas=[chunk_metadata(c) for c in batch])
    return len(missing)


def _embed_sentences(records: dict[str, dict], embedder_spec: str) -> None:
    """Sentence vectors let the answerer pick the sentence that answers, not just the chunk."""
    for record in records.values():
        if "sentence_vectors" in record:
            continue
        texts = [s["text"] for c in record["chunks"] for s in c["sentences"]]
        embedder = make_embedder(embedder_spec)
        vectors = []
        for start in range(0, len(texts), 32):
            vectors.extend(embedder.embed_documents(texts[start:start + 32]))
        record["sentence_vectors"] = [[round(x, 5) for x in v] for v in vectors]


def _write_sentence_vectors(gen_dir: Path, records: dict[str, dict]) -> None:
    import numpy as np

    keys, vectors = [], []
    for record in records.values():
        flat = [(c["id"], i) for c in record["chunks"] for i in range(len(c["sentences"]))]
        keys.extend(flat)
        vectors.extend(record["sentence_vectors"])
    np.save(gen_dir / "sentence_vectors.npy", np.asarray(vectors, dtype=np.float32).reshape(len(keys), -1))
    (gen_dir / "sentence_keys.json").write_text(json.dumps(keys), "utf-8")


def chunk_metadata(chunk: Chunk) -> dict:
    """Flat metadata for Chroma (and LangChain's `Chroma` wrapper)."""
    return {"doc": chunk.doc, "title": chunk.title, "page": chunk.page, "section": chunk.section,
            "footnotes": ",".join(map(str, chunk.footnotes)), "kind": chunk.kind,
            "start": chunk.start, "end": chunk.end}


def supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED

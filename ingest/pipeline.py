"""Ingest run: corpus files -> parsed chunks -> Chroma + lexical index + bibliography.

`run_ingest` is a sequence of steps, each one function with one job:

  1. plan      compare the corpus files with the published manifest      (ingest.plan)
  2. parse     parse new and changed files; unreadable ones are skipped   (ingest.plan)
  3. embed     embed the chunks Chroma lacks, and new records' sentences  (ingest.embed, ingest.vectors)
  4. write     write a new generation folder                              (write_generation)
  5. publish   swap the manifest to it: the commit point                  (assistant.index.layout)
  6. clean up  delete stale Chroma ids, then the other generations        (clean_up)

Incremental and crash-safe: unchanged files reuse their records, only chunk ids Chroma does not
have yet are embedded, and nothing old is deleted before the new generation is published, so a
run that dies before step 5 leaves the previous index answering. Vectors are cached in the store
by text hash (`ingest.vectors`): `rebuild` writes the whole index again but embeds only texts the
cache lacks; `re_embed` (implies `rebuild`) embeds every text again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.glossary import glossary_texts
from assistant.index.embeddings import embedder_name
from assistant.index.layout import FileEntry, Generation, Manifest, StoreLayout, write_json
from assistant.index.lexical import LexicalIndex
from assistant.index.store import open_layout, publish, remove_old_generations, store_layout
from assistant.lemmas import vocabulary_lemmas, warm_lemmatizer
from assistant.settings import Settings

from .assemble import Assembled, assemble, chunk_metadata, embedding_text, lexical_text, source_chunk
from .embed import Embedded, delete_stale, embed_index, open_collection
from .errors import NothingToIngest
from .full_texts import bibliography_records, link_and_check, manifest_changed, previous_full_texts, summary_of
from .plan import PARSER_VERSION, Parsed, Plan, corpus_files, file_hash, load_previous, parse_files, plan_files
from .progress import IngestProgress
from .readers import SUPPORTED
from .vectors import VectorCache, text_digest
from .writer_lock import writer_lock

__all__ = [
    "PARSER_VERSION",
    "IngestSummary",
    "chunk_metadata",
    "corpus_files",
    "embedding_text",
    "file_hash",
    "lexical_text",
    "run_ingest",
    "source_chunk",
    "supported",
]


@dataclass
class IngestSummary:
    files: int = 0
    pages: int = 0
    chunks: int = 0
    footnotes: int = 0
    sources: int = 0
    embedded: int = 0  # chunks written to Chroma
    texts_embedded: int = 0  # texts (chunks and sentences) the embedder computed in this run
    texts_cached: int = 0  # texts whose vectors came from the store's embedding cache
    deleted: int = 0
    skipped: list[dict] = field(default_factory=list)
    skipped_pages: list[str] = field(default_factory=list)  # "raport-klastry.pdf p. 2: table of contents"
    seconds: float = 0.0
    store: str = ""
    rebuilt: bool = False  # every chunk and sentence was written again (--rebuild or a new embedder)
    # cited works' full texts (corpus/sources/, ingest.full_texts): how each file was matched, the claim checks
    full_texts: list[dict] = field(default_factory=list)
    claims: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # one line each: matches, manifest warnings, check counts

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def run_ingest(settings: Settings, rebuild: bool = False, progress: IngestProgress | None = None,
               on_skip: Callable[[str, str], None] | None = None, re_embed: bool = False) -> IngestSummary:
    """Bring the store in line with the corpus; NothingToIngest (a StoreError) when no file can be indexed,
    StoreBusy (one too) when another ingest is writing the same store."""
    with writer_lock(settings.store_dir):
        return _run_ingest(settings, rebuild, progress, on_skip, re_embed)


def _run_ingest(settings: Settings, rebuild: bool, progress: IngestProgress | None,
                on_skip: Callable[[str, str], None] | None, re_embed: bool) -> IngestSummary:
    started = time.perf_counter()
    progress = progress or IngestProgress()
    rebuild = rebuild or re_embed
    warm_lemmatizer()  # simplemma's dictionaries (~10 s) load while the embedder works
    layout = open_layout(settings)  # with a Chroma server: its published generation, copied here
    name = embedder_name(settings.embedder)
    plan = plan_files(settings.corpus_dir, load_previous(layout, name, rebuild), rebuild)
    parsed = parse_files(plan, progress, on_skip)
    check_something_to_index(settings, layout, plan, parsed)
    summary = IngestSummary(store=str(layout.root), skipped=parsed.skipped)
    before = previous_full_texts(layout, plan.previous.manifest and plan.previous.manifest.generation)
    if parsed.same_as(plan) and not manifest_changed(settings.corpus_dir, before, parsed.records):  # nothing to do
        layout.remove_old_generations(keep=plan.previous.manifest.generation)  # left by a run killed after publishing
        summary.full_texts, summary.claims = summary_of(before)
        return _finish(summary, parsed, plan.previous.manifest.chunks, plan.previous.manifest.sources, started)
    index = assemble(bibliography_records(parsed.records))
    collection, embedded, summary.rebuilt = embed(settings, name, index, parsed.records, rebuild, re_embed, progress)
    summary.embedded, summary.texts_embedded, summary.texts_cached = (embedded.chunks, embedded.count.embedded,
                                                                      embedded.count.cached)
    full_texts = link_and_check(settings.corpus_dir, parsed.records, index.sources, index.footnotes, before)
    summary.full_texts, summary.claims, summary.notes = full_texts.stored["files"], full_texts.claims, full_texts.lines
    progress.step("writing the index")
    generation = write_generation(layout, index, parsed.records, full_texts.stored)
    publish(settings, layout, make_manifest(generation, name, settings.collection, parsed, index))  # commit point
    summary.deleted = clean_up(layout, collection, index, generation, settings)
    forget_unused_vectors(layout, name, index, parsed.records)
    return _finish(summary, parsed, len(index.chunks), len(index.sources), started)


def check_something_to_index(settings: Settings, layout: StoreLayout, plan: Plan, parsed: Parsed) -> None:
    """Stop before touching the store when the corpus gives nothing to index (empty, or every file skipped)."""
    if parsed.records:
        return
    corpus = settings.corpus_dir
    reason = (f"none of the {len(plan.files)} files in {corpus} could be read" if plan.files
              else f"{corpus} has no {', '.join(SUPPORTED)} file")
    kept = f"; the index in {layout.root} was left as it was" if layout.has_index() else ""
    raise NothingToIngest(f"nothing to index: {reason}{kept}")


def embed(settings: Settings, name: str, index: Assembled, records: dict[str, dict], rebuild: bool,
          re_embed: bool = False, progress: IngestProgress | None = None) -> tuple[object, Embedded, bool]:
    """(collection, what was embedded, everything written again?): step 3."""
    progress = progress or IngestProgress()
    collection, reset = open_collection(settings, name)
    everything = rebuild or reset  # vectors of another embedder (or --rebuild): write every chunk and sentence
    cache = VectorCache(store_layout(settings).embedding_cache, name)
    try:
        embedded = embed_index(collection, index.chunks, records, settings, cache, everything, fresh=re_embed,
                               on_start=progress.embedding, on_batch=progress.embedded)
    finally:
        cache.close()
    return collection, embedded, everything


def write_generation(layout: StoreLayout, index: Assembled, records: dict[str, dict],
                     full_texts: dict | None = None) -> Generation:
    """Step 4: a new generation folder with everything the assistant reads (unpublished until step 5)."""
    generation = layout.new_generation()
    write_json(generation.chunks, [c.to_dict() for c in index.chunks])
    write_json(generation.bibliography, {"sources": [s.to_dict() for s in index.sources], "footnotes": index.footnotes,
                                         "full_texts": full_texts or {}})
    write_json(generation.records, records)
    texts = [lexical_text(c) for c in index.chunks]
    LexicalIndex.build(index.ids, texts).save(generation.lexical)
    # glossary terms are tokenized per question
    write_json(generation.lemmas, vocabulary_lemmas(texts + glossary_texts()))
    write_sentence_vectors(generation, records)
    return generation


def write_sentence_vectors(generation: Generation, records: dict[str, dict]) -> None:
    import numpy as np

    keys, vectors = [], []
    for record in records.values():
        keys.extend((c["id"], i) for c in record["chunks"] for i in range(len(c["sentences"])))
        vectors.extend(record["sentence_vectors"])
    np.save(generation.sentence_vectors, np.asarray(vectors, dtype=np.float32).reshape(len(keys), -1))
    write_json(generation.sentence_keys, keys, ensure_ascii=True)


def make_manifest(generation: Generation, embedder: str, collection: str, parsed: Parsed, index: Assembled) -> Manifest:
    files = {rel: FileEntry(r["sha256"], r["pages"], len(r["chunks"]), r.get("skipped_pages") or [])
             for rel, r in parsed.records.items()}
    return Manifest(generation=generation.name, embedder=embedder, collection=collection, files=files,
                    chunks=len(index.chunks), sources=len(index.sources), updated=Manifest.now())


def clean_up(layout: StoreLayout, collection, index: Assembled, published: Generation,
             settings: Settings | None = None) -> int:
    """Step 6, after publishing: drop the Chroma ids no longer used, then the other generations."""
    deleted = delete_stale(collection, set(index.ids))
    if settings is not None:  # also the other generations' files on a Chroma server
        remove_old_generations(settings, layout, keep=published.name)
    layout.remove_old_generations(keep=published.name)
    return deleted


def forget_unused_vectors(layout: StoreLayout, embedder: str, index: Assembled, records: dict[str, dict]) -> None:
    """Keep the embedding cache to what the published index holds (other embedders' vectors stay)."""
    live = {text_digest(embedding_text(c)) for c in index.chunks}
    live.update(text_digest(s["text"]) for r in records.values() for c in r["chunks"] for s in c["sentences"])
    cache = VectorCache(layout.embedding_cache, embedder)
    try:
        cache.keep_only(live)
    finally:
        cache.close()


def _finish(summary: IngestSummary, parsed: Parsed, chunks: int, sources: int, started: float) -> IngestSummary:
    records = parsed.records.values()
    summary.files, summary.chunks, summary.sources = len(parsed.records), chunks, sources
    summary.pages = sum(r["pages"] for r in records)
    summary.skipped_pages = [f"{rel} p. {page}: {why}" for rel, r in sorted(parsed.records.items())
                             for page, why in r.get("skipped_pages") or []]
    summary.footnotes = sum(len(r["footnotes"]) for r in records)
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED

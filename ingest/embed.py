"""Step 3 of an ingest run: vectors for the chunks Chroma does not have and for the sentences of new records.

Chunk ids are derived from their content, so an id Chroma already holds was embedded with the same
text. Everything else goes through one embedding pass (`ingest.vectors.embed_texts`): chunks and
sentences together, each distinct text once, cached vectors reused; chunks are written to Chroma as
soon as their vectors are ready. A rebuild or a new embedder writes every chunk and sentence again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.index.chroma_client import delete_collection
from assistant.index.embeddings import make_embedder
from assistant.index.store import chroma_client, get_collection
from assistant.settings import Settings
from assistant.types import Chunk

from .assemble import chunk_metadata, embedding_text
from .vectors import EmbedCount, VectorCache, embed_texts, text_digest

ID_PAGE = 500  # ids per Chroma get/delete call
UPSERT_PAGE = 64  # chunks per Chroma upsert


@dataclass
class Embedded:
    chunks: int  # chunks written to Chroma
    count: EmbedCount  # texts embedded now / taken from the cache


def open_collection(settings: Settings, embedder: str):
    """(collection, reset): our Chroma collection, emptied when it holds another embedder's vectors."""
    client = chroma_client(settings)
    collection = get_collection(client, settings, embedder, create=True)
    stored = (collection.metadata or {}).get("embedder")
    if stored and stored != embedder:
        delete_collection(client, settings, settings.collection)
        return get_collection(client, settings, embedder, create=True), True
    return collection, False


def embed_index(collection, chunks: list[Chunk], records: dict[str, dict], settings: Settings,
                cache: VectorCache | None, everything: bool = False, fresh: bool = False,
                on_start: Callable[[int], None] | None = None,
                on_batch: Callable[[int], None] | None = None) -> Embedded:
    """Write the missing chunks (all of them when `everything`) to Chroma and give records without
    sentence vectors their vectors; `fresh` embeds again what the cache holds."""
    todo = chunks if everything else _missing(collection, chunks)
    sentence_records = [r for r in records.values() if everything or "sentence_vectors" not in r]
    sentences = [s["text"] for r in sentence_records for c in r["chunks"] for s in c["sentences"]]
    waiting: dict[str, list[Chunk]] = {}
    for chunk in todo:
        waiting.setdefault(text_digest(embedding_text(chunk)), []).append(chunk)
    ready: list[tuple[Chunk, list[float]]] = []

    def arrived(vectors, embedded: bool) -> None:
        for digest in set(vectors) & set(waiting):
            ready.extend((chunk, vectors[digest].tolist()) for chunk in waiting.pop(digest))
        while len(ready) >= UPSERT_PAGE or (ready and not waiting):
            _upsert(collection, ready[:UPSERT_PAGE])
            del ready[:UPSERT_PAGE]
        if embedded and on_batch:
            on_batch(len(vectors))

    texts = [embedding_text(c) for c in todo] + sentences
    if not texts:
        return Embedded(0, EmbedCount())
    embedder = make_embedder(settings.embedder, settings.embed_threads)
    known, count = embed_texts(texts, embedder, cache, fresh, on_start, arrived)
    for record in sentence_records:
        vectors = [known[text_digest(s["text"])] for c in record["chunks"] for s in c["sentences"]]
        record["sentence_vectors"] = [[round(x, 5) for x in v.tolist()] for v in vectors]
    return Embedded(len(todo), count)


def _upsert(collection, pairs: list[tuple[Chunk, list[float]]]) -> None:
    collection.upsert(ids=[c.id for c, _ in pairs], embeddings=[v for _, v in pairs],
                      documents=[c.text for c, _ in pairs], metadatas=[chunk_metadata(c) for c, _ in pairs])


def delete_stale(collection, live: set[str]) -> int:
    """Remove the chunks no published generation uses any more; how many were removed."""
    stale = [i for i in collection.get(include=[])["ids"] if i not in live]
    for start in range(0, len(stale), ID_PAGE):
        collection.delete(ids=stale[start:start + ID_PAGE])
    return len(stale)


def _missing(collection, chunks: list[Chunk]) -> list[Chunk]:
    ids = [c.id for c in chunks]
    existing: set[str] = set()
    for start in range(0, len(ids), ID_PAGE):
        existing.update(collection.get(ids=ids[start:start + ID_PAGE], include=[])["ids"])
    return [c for c in chunks if c.id not in existing]

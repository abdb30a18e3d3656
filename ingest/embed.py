"""Step 3 of an ingest run: embed the chunks Chroma does not have and the sentences of new records.

Chunk ids are derived from their content, so an id Chroma already holds was embedded with the
same text; only a rebuild or a change of embedder embeds every chunk and sentence again.
"""

from __future__ import annotations

from assistant.index.embeddings import make_embedder
from assistant.index.store import chroma_client, get_collection
from assistant.settings import Settings
from assistant.types import Chunk

from .assemble import chunk_metadata, embedding_text

BATCH = 16
SENTENCE_BATCH = 32
ID_PAGE = 500  # ids per Chroma get/delete call


def open_collection(settings: Settings, embedder: str):
    """(collection, reset): our Chroma collection, emptied when it holds another embedder's vectors."""
    client = chroma_client(settings)
    collection = get_collection(client, settings, embedder, create=True)
    stored = (collection.metadata or {}).get("embedder")
    if stored and stored != embedder:
        client.delete_collection(settings.collection)
        return get_collection(client, settings, embedder, create=True), True
    return collection, False


def embed_chunks(collection, chunks: list[Chunk], embedder_spec: str, everything: bool = False) -> int:
    """Upsert the chunks Chroma does not hold yet (all of them when `everything`); how many were embedded."""
    todo = chunks if everything else _missing(collection, chunks)
    if not todo:
        return 0
    embedder = make_embedder(embedder_spec)
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        vectors = embedder.embed_documents([embedding_text(c) for c in batch])
        collection.upsert(ids=[c.id for c in batch], embeddings=vectors, documents=[c.text for c in batch],
                          metadatas=[chunk_metadata(c) for c in batch])
    return len(todo)


def embed_sentences(records: dict[str, dict], embedder_spec: str, everything: bool = False) -> int:
    """Sentence vectors let the answerer pick the sentence that answers, not just the chunk.

    Records that carry vectors keep them unless `everything`; returns how many sentences were embedded."""
    count = 0
    for record in records.values():
        if "sentence_vectors" in record and not everything:
            continue
        texts = [s["text"] for c in record["chunks"] for s in c["sentences"]]
        embedder = make_embedder(embedder_spec)
        vectors = []
        for start in range(0, len(texts), SENTENCE_BATCH):
            vectors.extend(embedder.embed_documents(texts[start:start + SENTENCE_BATCH]))
        record["sentence_vectors"] = [[round(x, 5) for x in v] for v in vectors]
        count += len(texts)
    return count


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

"""The store as the assistant reads it: the published generation, its Chroma collection and indexes.

The layout (file names, manifest, publishing) is `assistant.index.layout`; this module opens what
it describes. A crashed ingest never touches the published generation, so it keeps answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.errors import StoreError
from assistant.index.layout import Generation, Manifest, ManifestError, StoreLayout, read_json, write_json_atomic
from assistant.settings import Settings
from assistant.types import Chunk, Source

__all__ = ["StoreError", "StoreSnapshot", "check_embedder", "chroma_client", "get_collection", "load_snapshot",
           "open_index", "read_manifest", "write_json_atomic"]


def read_manifest(store_dir: Path) -> Manifest | None:
    """The published manifest of `store_dir`, None when nothing was published yet."""
    try:
        return StoreLayout(store_dir).read_manifest()
    except ManifestError as error:
        raise StoreError(f"{error}; rebuild the index with `python -m ingest --rebuild`") from error


def chroma_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    path = StoreLayout(settings.store_dir).chroma_dir
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def get_collection(client, settings: Settings, embedder: str, create: bool = False):
    """Our collection; always used with explicit embeddings (Chroma's default one needs the network)."""
    if create:
        return client.get_or_create_collection(
            settings.collection, embedding_function=None,
            metadata={"embedder": embedder, "hnsw:space": "cosine"})
    return client.get_collection(settings.collection, embedding_function=None)


@dataclass
class StoreSnapshot:
    """One consistent generation of the store, loaded for querying."""

    manifest: Manifest
    chunks: dict[str, Chunk]
    sources: dict[str, Source]
    footnote_source: dict[tuple[str, int], str]  # (doc, footnote) -> source id
    footnote_text: dict[tuple[str, int], str]
    generation: Generation

    @property
    def generation_dir(self) -> Path:
        return self.generation.path


def load_snapshot(settings: Settings) -> StoreSnapshot:
    manifest = read_manifest(settings.store_dir)
    if manifest is None:
        raise StoreError(f"no index found in {settings.store_dir}: build it first with `python -m ingest`")
    generation = StoreLayout(settings.store_dir).generation(manifest.generation)
    try:
        chunks = {c["id"]: Chunk.from_dict(c) for c in read_json(generation.chunks)}
        biblio = read_json(generation.bibliography)
    except (OSError, ValueError) as error:
        raise StoreError(f"the published generation {generation.path} is unreadable ({error}): "
                         f"rebuild the index with `python -m ingest --rebuild`") from error
    sources = {s["id"]: Source(**s) for s in biblio["sources"]}
    footnote_source = {(f["doc"], f["number"]): f["source"] for f in biblio["footnotes"]}
    footnote_text = {(f["doc"], f["number"]): f["text"] for f in biblio["footnotes"]}
    return StoreSnapshot(manifest, chunks, sources, footnote_source, footnote_text, generation)


def check_embedder(manifest: Manifest, name: str) -> None:
    stored = manifest.embedder
    if stored and stored != name:
        raise StoreError(
            f"the index was built with embedder {stored!r} but {name!r} is configured: "
            f"re-ingest with `python -m ingest --rebuild` (or set KLASTRY_EMBEDDER back)")


def open_index(settings: Settings):
    """The published generation, ready to query: (HybridSearch, SentenceIndex)."""
    from assistant.answer.scoring import SentenceIndex
    from assistant.index.embeddings import embedder_name, make_embedder
    from assistant.index.lexical import LexicalIndex
    from assistant.index.retrieval import HybridSearch
    from assistant.lemmas import load_lemma_cache, warm_lemmatizer

    snapshot = load_snapshot(settings)
    check_embedder(snapshot.manifest, embedder_name(settings.embedder))
    try:
        collection = get_collection(chroma_client(settings), settings, snapshot.manifest.embedder)
    except Exception as error:  # missing collection or unreachable server
        raise StoreError(f"cannot open the Chroma collection {settings.collection!r}: "
                         f"{str(error).splitlines()[0]}; run `python -m ingest`") from error
    generation = snapshot.generation
    lexical = LexicalIndex.load(generation.lexical)
    reranker = None
    if settings.reranker:
        from sentence_transformers import CrossEncoder

        reranker = CrossEncoder(settings.reranker, device="cpu")
    search = HybridSearch(snapshot, collection, make_embedder(settings.embedder), lexical, reranker)
    load_lemma_cache(generation.lemmas)
    warm_lemmatizer()  # words outside the report's vocabulary need simplemma's dictionary
    vectors, keys = None, None
    if generation.sentence_vectors.exists():
        import numpy as np

        vectors = np.load(generation.sentence_vectors)
        keys = read_json(generation.sentence_keys)
    return search, SentenceIndex(snapshot.chunks, vectors, keys)

"""The on-disk store: Chroma collection, chunks, bibliography and lexical index.

Layout under `store_dir`:
  manifest.json        current generation, embedder name, per-file hashes (replaced atomically)
  chroma/              Chroma PersistentClient (unless a Chroma server is configured)
  gen-<n>/chunks.json  every live chunk (report text and bibliography entries)
  gen-<n>/bibliography.json, gen-<n>/lexical/
A crashed ingest never touches the current generation, so the previous index keeps answering.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import StoreError
from assistant.settings import Settings
from assistant.types import Chunk, Source


MANIFEST = "manifest.json"


def read_manifest(store_dir: Path) -> dict[str, Any] | None:
    path = Path(store_dir) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def chroma_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    path = Path(settings.store_dir) / "chroma"
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

    manifest: dict[str, Any]
    chunks: dict[str, Chunk]
    sources: dict[str, Source]
    footnote_source: dict[tuple[str, int], str]  # (doc, footnote) -> source id
    footnote_text: dict[tuple[str, int], str]
    generation_dir: Path


def load_snapshot(settings: Settings) -> StoreSnapshot:
    manifest = read_manifest(settings.store_dir)
    if manifest is None:
        raise StoreError(f"no index found in {settings.store_dir}: build it first with `python -m ingest`")
    generation = Path(settings.store_dir) / manifest["generation"]
    chunks = {c["id"]: Chunk.from_dict(c) for c in json.loads((generation / "chunks.json").read_text("utf-8"))}
    biblio = json.loads((generation / "bibliography.json").read_text("utf-8"))
    sources = {s["id"]: Source(**s) for s in biblio["sources"]}
    footnote_source = {(f["doc"], f["number"]): f["source"] for f in biblio["footnotes"]}
    footnote_text = {(f["doc"], f["number"]): f["text"] for f in biblio["footnotes"]}
    return StoreSnapshot(manifest, chunks, sources, footnote_source, footnote_text, generation)


def check_embedder(manifest: dict[str, Any], name: str) -> None:
    stored = manifest.get("embedder")
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
        collection = get_collection(chroma_client(settings), settings, snapshot.manifest["embedder"])
    except Exception as error:  # missing collection or unreachable server
        raise StoreError(f"cannot open the Chroma collection {settings.collection!r}: "
                         f"{str(error).splitlines()[0]}; run `python -m ingest`") from error
    lexical = LexicalIndex.load(snapshot.generation_dir / "lexical")
    reranker = None
    if settings.reranker:
        from sentence_transformers import CrossEncoder

        reranker = CrossEncoder(settings.reranker, device="cpu")
    search = HybridSearch(snapshot, collection, make_embedder(settings.embedder), lexical, reranker)
    load_lemma_cache(snapshot.generation_dir / "lemmas.json")
    warm_lemmatizer()  # words outside the report's vocabulary need simplemma's dictionary
    vectors, keys = None, None
    if (snapshot.generation_dir / "sentence_vectors.npy").exists():
        import numpy as np

        vectors = np.load(snapshot.generation_dir / "sentence_vectors.npy")
        keys = json.loads((snapshot.generation_dir / "sentence_keys.json").read_text("utf-8"))
    return search, SentenceIndex(snapshot.chunks, vectors, keys)

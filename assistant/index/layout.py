"""The on-disk layout of the store: the one place that names its files and publishes a generation.

    <store_dir>/
      manifest.json            the published generation, embedder, per-file hashes (replaced atomically)
      chroma/                  Chroma PersistentClient (unless a Chroma server is configured)
      gen-<n>/chunks.json      every live chunk (report text and bibliography entries)
      gen-<n>/bibliography.json, records.json, lexical/, lemmas.json,
      gen-<n>/sentence_vectors.npy, sentence_keys.json
      embeddings.sqlite        the ingest's embedding cache: vectors by embedder and text hash

Publishing is three steps, in this order: write a new generation folder (`StoreLayout.new_generation`),
swap the manifest to point at it (`StoreLayout.publish`, the commit point), then remove the other
generations (`StoreLayout.remove_old_generations`). A run that dies before the swap leaves the previous
generation published and answering; its half-written folder is removed by the next publish.

Pure: standard library only (ingest writes, `assistant.index.store` reads).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
CHROMA_DIR = "chroma"
GENERATION_PREFIX = "gen-"
CHUNKS = "chunks.json"
BIBLIOGRAPHY = "bibliography.json"
RECORDS = "records.json"
LEXICAL_DIR = "lexical"
LEMMAS = "lemmas.json"
SENTENCE_VECTORS = "sentence_vectors.npy"
SENTENCE_KEYS = "sentence_keys.json"
EMBEDDING_CACHE = "embeddings.sqlite"

STATE_VERSION = 1


class ManifestError(ValueError):
    """manifest.json exists but cannot be read as a manifest."""


@dataclass(frozen=True)
class FileEntry:
    """What the manifest remembers of one corpus file."""

    sha256: str
    pages: int  # every page of the file, skipped ones included
    chunks: int
    skipped_pages: list[list] = field(default_factory=list)  # [page, why] of pages with nothing indexed

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "pages": self.pages, "chunks": self.chunks} | (
            {"skipped_pages": self.skipped_pages} if self.skipped_pages else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileEntry:
        return cls(sha256=data["sha256"], pages=int(data.get("pages", 0)), chunks=int(data.get("chunks", 0)),
                   skipped_pages=[list(item) for item in data.get("skipped_pages") or []])


@dataclass
class Manifest:
    """manifest.json: which generation is published and what it was built from."""

    generation: str
    embedder: str
    collection: str
    files: dict[str, FileEntry] = field(default_factory=dict)
    chunks: int = 0
    sources: int = 0
    updated: str = ""
    version: int = STATE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "generation": self.generation, "embedder": self.embedder,
                "collection": self.collection, "files": {rel: e.to_dict() for rel, e in self.files.items()},
                "chunks": self.chunks, "sources": self.sources, "updated": self.updated}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        try:
            return cls(generation=data["generation"], embedder=data.get("embedder", ""),
                       collection=data.get("collection", ""),
                       files={rel: FileEntry.from_dict(e) for rel, e in (data.get("files") or {}).items()},
                       chunks=int(data.get("chunks", 0)), sources=int(data.get("sources", 0)),
                       updated=data.get("updated", ""), version=int(data.get("version", STATE_VERSION)))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ManifestError(f"not a store manifest ({type(error).__name__}: {error})") from error

    @staticmethod
    def now() -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Generation:
    """One generation folder and the files in it."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def chunks(self) -> Path:
        return self.path / CHUNKS

    @property
    def bibliography(self) -> Path:
        return self.path / BIBLIOGRAPHY

    @property
    def records(self) -> Path:
        return self.path / RECORDS

    @property
    def lexical(self) -> Path:
        return self.path / LEXICAL_DIR

    @property
    def lemmas(self) -> Path:
        return self.path / LEMMAS

    @property
    def sentence_vectors(self) -> Path:
        return self.path / SENTENCE_VECTORS

    @property
    def sentence_keys(self) -> Path:
        return self.path / SENTENCE_KEYS


@dataclass(frozen=True)
class StoreLayout:
    """The store folder: its manifest, Chroma folder and generations."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def chroma_dir(self) -> Path:
        return self.root / CHROMA_DIR

    @property
    def embedding_cache(self) -> Path:
        return self.root / EMBEDDING_CACHE

    def generation(self, name: str) -> Generation:
        return Generation(self.root / name)

    def has_index(self) -> bool:
        """True once a generation has been published (the manifest exists)."""
        return self.manifest_path.exists()

    def read_manifest(self) -> Manifest | None:
        """The published manifest, None when nothing was published; ManifestError when it is unreadable."""
        if not self.manifest_path.exists():
            return None
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ManifestError(f"cannot read {self.manifest_path}: {error}") from error
        if not isinstance(data, dict):
            raise ManifestError(f"{self.manifest_path} is not a JSON object")
        return Manifest.from_dict(data)

    def published(self) -> Generation | None:
        manifest = self.read_manifest()
        return self.generation(manifest.generation) if manifest else None

    def new_generation(self) -> Generation:
        """Step 1 of publishing: a fresh, empty generation folder (not visible to readers yet)."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = int(time.time() * 1000)
        while True:
            path = self.root / f"{GENERATION_PREFIX}{stamp}"
            try:
                path.mkdir()
                return Generation(path)
            except FileExistsError:
                stamp += 1

    def publish(self, manifest: Manifest) -> None:
        """Step 2: swap the manifest to `manifest.generation` in one atomic rename (the commit point)."""
        generation = self.generation(manifest.generation)
        if not generation.path.is_dir():
            raise FileNotFoundError(f"cannot publish {manifest.generation}: no such generation in {self.root}")
        _fsync_tree(generation.path)  # the files are on disk before the manifest points at them
        write_json_atomic(self.manifest_path, manifest.to_dict())

    def remove_old_generations(self, keep: str | None = None) -> list[str]:
        """Step 3: delete every generation folder but `keep`, the published one (and half-written ones)."""
        if keep is None:
            manifest = self.read_manifest()
            keep = manifest.generation if manifest else None
        removed = []
        for folder in sorted(self.root.glob(f"{GENERATION_PREFIX}*")):
            if folder.is_dir() and folder.name != keep:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return removed


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` next to `path`, fsync, then rename over it: readers see the old or the new file."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def write_json(path: Path, data: Any, ensure_ascii: bool = False) -> None:
    """A generation file: compact JSON (the folder is not visible until it is published)."""
    Path(path).write_text(json.dumps(data, ensure_ascii=ensure_ascii), "utf-8")


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text("utf-8"))

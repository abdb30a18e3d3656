"""Server mode: the generation files every replica needs, kept in Chroma beside the chunks.

A chat replica needs more than the chunk vectors: the lexical index, the sentence vectors, the
chunks and the bibliography of the published generation. They are stored in the same Chroma server,
in a second collection `<collection>-files`, so that a replica needs nothing but the server's
address (no shared file system to mount and keep consistent, one backup of one server covers the
whole index). Each file of a generation folder is stored as base64 parts (records
`<generation>/<path>#<part>`, a 1-number placeholder vector: Chroma stores no record without one),
and one record `manifest` holds the published manifest: writing it is the commit point for every
replica, as replacing the manifest file is for the embedded store.

Every process keeps a local copy of the published generation under its own store folder
(`sync`), so all the code that reads a generation folder works unchanged; a copy is downloaded
once per generation (2.4 MB for the report).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

from assistant.errors import StoreError
from assistant.index.chroma_client import Collection, connect
from assistant.index.layout import Generation, Manifest, ManifestError, StoreLayout
from assistant.settings import Settings

MANIFEST_ID = "manifest"
PART_BYTES = 2_000_000  # raw bytes per record (base64 makes it 2.7 MB)
UPLOAD_RECORDS = 8  # records per upsert
PLACEHOLDER = [0.0]


def files_collection_name(collection: str) -> str:
    return f"{collection}-files"


class SharedGenerations:
    """The generation files and the manifest on the Chroma server."""

    def __init__(self, settings: Settings, client=None) -> None:
        self.settings = settings
        self.files = Collection(client or connect(settings), settings, files_collection_name(settings.collection),
                                create=True, metadata={"kind": "klastry generation files"})

    def manifest(self) -> Manifest | None:
        """The manifest published on the server, None when nothing was published there yet."""
        found = self.files.get(ids=[MANIFEST_ID], include=["documents"])
        if not found["ids"]:
            return None
        try:
            return Manifest.from_dict(json.loads(found["documents"][0]))
        except (ValueError, ManifestError) as error:
            raise StoreError(f"the manifest on the Chroma server is unreadable ({error}): "
                             f"rebuild the index with `python -m ingest --rebuild`") from error

    def upload(self, generation: Generation) -> None:
        """Every file of a (not yet published) generation folder, as records of its own."""
        ids, documents, metadatas = [], [], []
        for path in sorted(p for p in generation.path.rglob("*") if p.is_file()):
            rel = path.relative_to(generation.path).as_posix()
            data = path.read_bytes()
            parts = max(1, -(-len(data) // PART_BYTES))
            for part in range(parts):
                ids.append(f"{generation.name}/{rel}#{part}")
                documents.append(base64.b64encode(data[part * PART_BYTES:(part + 1) * PART_BYTES]).decode("ascii"))
                metadatas.append({"generation": generation.name, "path": rel, "part": part, "parts": parts})
        for start in range(0, len(ids), UPLOAD_RECORDS):
            end = start + UPLOAD_RECORDS
            self.files.upsert(ids=ids[start:end], documents=documents[start:end], metadatas=metadatas[start:end],
                              embeddings=[PLACEHOLDER] * len(ids[start:end]))

    def publish(self, manifest: Manifest) -> None:
        """The commit point for every replica: one record replaced."""
        self.files.upsert(ids=[MANIFEST_ID], documents=[json.dumps(manifest.to_dict(), ensure_ascii=False)],
                          metadatas=[{"generation": manifest.generation}], embeddings=[PLACEHOLDER])

    def download(self, name: str, into: Path) -> bool:
        """Write generation `name`'s files into the folder `into`; False when the server lacks some part."""
        found = self.files.get(where={"generation": name}, include=["documents", "metadatas"])
        pieces: dict[str, dict[int, str]] = {}
        expected: dict[str, int] = {}
        for record_id, document, meta in zip(found["ids"], found["documents"], found["metadatas"]):
            if record_id == MANIFEST_ID:
                continue
            pieces.setdefault(meta["path"], {})[int(meta["part"])] = document
            expected[meta["path"]] = int(meta["parts"])
        if not pieces or any(len(pieces[path]) != count for path, count in expected.items()):
            return False
        for rel, parts in pieces.items():
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"".join(base64.b64decode(parts[i]) for i in sorted(parts)))
        return True

    def remove_others(self, keep: str) -> int:
        """Delete the files of every generation but `keep` (after publishing it)."""
        found = self.files.get(include=["metadatas"])
        stale = [i for i, meta in zip(found["ids"], found["metadatas"])
                 if i != MANIFEST_ID and (meta or {}).get("generation") != keep]
        for start in range(0, len(stale), 500):
            self.files.delete(ids=stale[start:start + 500])
        return len(stale)


def sync(settings: Settings, layout: StoreLayout) -> Manifest | None:
    """Make the local copy under `layout` the server's published generation; its manifest (None: nothing
    published on the server). Several processes of one machine may sync at once: each downloads into
    its own folder, the first rename wins."""
    shared = SharedGenerations(settings)
    for _ in range(3):  # an ingest may publish (and remove the files of the previous one) meanwhile
        manifest = shared.manifest()
        if manifest is None:
            return None
        if _local_generation(layout) == manifest.generation:
            return manifest
        target = layout.generation(manifest.generation).path
        if not target.is_dir():
            layout.root.mkdir(parents=True, exist_ok=True)
            partial = layout.root / f".download-{os.getpid()}-{manifest.generation}"
            shutil.rmtree(partial, ignore_errors=True)
            if not shared.download(manifest.generation, partial):
                shutil.rmtree(partial, ignore_errors=True)
                continue
            try:
                os.rename(partial, target)
            except OSError:  # another process of this machine renamed its copy first
                shutil.rmtree(partial, ignore_errors=True)
        layout.publish(manifest)
        layout.remove_old_generations(keep=manifest.generation)
        return manifest
    raise StoreError(f"the index on the Chroma server {settings.chroma_host}:{settings.chroma_port} changed "
                     f"while it was being copied, three times: try again")


def _local_generation(layout: StoreLayout) -> str | None:
    try:
        manifest = layout.read_manifest()
    except ManifestError:
        return None
    if manifest is None or not layout.generation(manifest.generation).path.is_dir():
        return None
    return manifest.generation

"""Adding one document to corpus/sources/ and the index: what the web chat's upload panel runs.

The same ingest as `python -m ingest` (`run_ingest`, incremental: only the new file is parsed and
embedded), with the steps around it that a file dropped in by hand does not need:

  1. check     a supported type by content, within the size limit, not a duplicate   (`check_upload`)
  2. read      the file parses and has text to index (the ingest's own reader)       (`check_readable`)
  3. store     copied under corpus/sources/ by a hidden temp file and a rename, with its
               bibliography link appended to sources.toml; a hidden marker records both
  4. ingest    `run_ingest`, whose progress goes to the caller
  5. finish    the marker is removed. A failure before the new generation is published takes
               the file and the link out again (the old index never changed); `recover` does the
               same at the next start when the process was killed mid-ingest.

Every refusal is an `UploadError` with one line naming the file and the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import Settings

from .errors import IngestError, StoreBusy
from .plan import corpus_files, parse_file
from .progress import IngestProgress, RecordedProgress
from .readers import SUPPORTED, decode_text
from .sources_dir import MANIFEST, SOURCES_DIR
from .writer_lock import writer_lock

__all__ = ["Added", "RecordedProgress", "Upload", "UploadError", "add", "check_readable", "check_upload",
           "corpus_files", "published_files", "recover", "safe_name", "undo"]

PENDING = f"{SOURCES_DIR}/.upload-pending.json"  # hidden: never indexed (ingest.plan.corpus_files)
REPORT_NAME = "raport-klastry.pdf"
NAME_CHARS = 80  # longest stem kept in a stored file name
POLISH_ASCII = str.maketrans("łŁ", "lL")  # the one Polish letter NFKD does not split into a base and a mark


class UploadError(IngestError):
    """A document that cannot be added; the message is one line naming the file and the reason. `kind` and
    `details` let the web chat say the same in Polish (assistant.web.upload)."""

    def __init__(self, message: str, kind: str = "other", **details: str) -> None:
        super().__init__(message)
        self.kind, self.details = kind, {key: str(value) for key, value in details.items()}


@dataclass(frozen=True)
class Upload:
    """An uploaded file that passed the checks, before it is stored."""

    path: Path  # where the upload is now (the web server's temp file)
    name: str  # the name it is stored under, in corpus/sources/
    sha256: str
    size: int

    @property
    def rel(self) -> str:
        return f"{SOURCES_DIR}/{self.name}"


@dataclass(frozen=True)
class Added:
    """The outcome of a finished upload."""

    rel: str  # "sources/memo.md": the name `klastry sources` and the document selector list
    title: str
    chunks: int
    source: str | None  # the bibliography entry it is the full text of; None: an extra document
    footnotes: tuple[int, ...] = ()


def safe_name(name: str) -> str:
    """A file name safe on every system and in a URL: ASCII letters, digits, '-', '_' and one extension."""
    base = Path(str(name).replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    ascii_stem = unicodedata.normalize("NFKD", stem.translate(POLISH_ASCII)).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-_")[:NAME_CHARS].strip("-_")
    return f"{stem or 'dokument'}{suffix.lower()}"


def check_upload(path: Path, name: str, corpus_dir: Path, max_bytes: int, indexed: dict[str, str]) -> Upload:
    """Step 1: the type by extension and content, the size, and duplicates of the corpus and the index
    (`indexed`: stored name -> SHA-256, as the published manifest lists them)."""
    shown = Path(str(name).replace("\\", "/")).name or "?"
    suffix = Path(shown).suffix.lower()
    if suffix not in SUPPORTED:
        raise UploadError(f"{shown}: type {suffix or '(none)'} is not supported; add a PDF, .txt or .md file",
                          "type", file=shown, suffix=suffix or "(none)")
    try:
        size = Path(path).stat().st_size
    except OSError as error:
        raise UploadError(f"{shown}: the upload cannot be read ({error.strerror or error})", "unreadable",
                          file=shown, reason=error.strerror or error) from error
    if size > max_bytes:
        mb, limit = f"{size / 2**20:.1f}", f"{max_bytes / 2**20:g}"
        raise UploadError(f"{shown}: {mb} MB is over the limit of {limit} MB (setting KLASTRY_UPLOAD_MAX_MB)",
                          "size", file=shown, mb=mb, limit=limit)
    if size == 0:
        raise UploadError(f"{shown}: the file is empty (0 bytes)", "empty", file=shown)
    data = Path(path).read_bytes()
    check_content(shown, suffix, data)
    stored = safe_name(shown)
    digest = hashlib.sha256(data).hexdigest()
    if stored.lower() == REPORT_NAME:
        raise UploadError(f"{shown}: this is the report's own file name; rename the file to add it as a source",
                          "report_name", file=shown)
    for rel, known in _known_files(corpus_dir, indexed).items():
        if known == digest:
            raise UploadError(f"{shown}: already indexed as {rel} (same content)", "same_content", file=shown, rel=rel)
        if rel.rsplit("/", 1)[-1].lower() == stored.lower():
            raise UploadError(f"{shown}: a document named {rel} is already in the corpus; rename the file, or "
                              f"remove the old one from corpus/{SOURCES_DIR}/ first", "same_name", file=shown, rel=rel)
    return Upload(Path(path), stored, digest, size)


def check_content(shown: str, suffix: str, data: bytes) -> None:
    """A .pdf must be a PDF and a .txt/.md text (Polish or English, in an encoding the ingest reads)."""
    is_pdf = b"%PDF-" in data[:1024]  # the header may follow a few bytes of junk (the PDF reference allows it)
    if suffix == ".pdf":
        if not is_pdf:
            raise UploadError(f"{shown}: not a PDF (its content is not a PDF document); add a PDF, .txt or .md file",
                              "not_pdf", file=shown)
        return
    if is_pdf:
        raise UploadError(f"{shown}: this is a PDF named {suffix}; rename it to .pdf", "pdf_named", file=shown,
                          suffix=suffix)
    try:
        text = decode_text(data)
    except IngestError as error:
        raise UploadError(f"{shown}: not a text file ({error})", "not_text", file=shown, reason=error) from error
    if not text.strip():
        raise UploadError(f"{shown}: the text is empty", "empty", file=shown)


def check_readable(upload: Upload) -> str:
    """Step 2: the file parsed as the ingest will parse it, with text to index; its title."""
    try:
        record = parse_file(upload.path, upload.rel, upload.sha256)
    except IngestError as error:
        raise UploadError(f"{upload.name} cannot be read: {error}", "unreadable", file=upload.name,
                          reason=error) from error
    return record["title"]


def _known_files(corpus_dir: Path, indexed: dict[str, str]) -> dict[str, str]:
    """Stored name -> SHA-256 of every indexed file and every corpus file (a file not indexed yet counts too)."""
    known = dict(indexed)
    for path in corpus_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        if rel not in known:
            try:
                known[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                known[rel] = ""
    return known


def store(upload: Upload, corpus_dir: Path, source_id: str | None) -> None:
    """Step 3: the marker, the file (temp + rename: never half a file under its name) and its link."""
    folder = Path(corpus_dir) / SOURCES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    manifest = Path(corpus_dir) / MANIFEST
    before = manifest.read_text(encoding="utf-8") if manifest.is_file() else None
    write_atomic(Path(corpus_dir) / PENDING, json.dumps({"file": upload.rel, "manifest": before}).encode())
    target = folder / upload.name
    fd, temp = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=folder)
    os.close(fd)
    shutil.copyfile(upload.path, temp)
    os.replace(temp, target)
    if source_id:
        entry = f'\n[[source]]\nfile = "{upload.name}"   # added from the web chat\nid = {json.dumps(source_id)}\n'
        write_atomic(manifest, ((before or "").rstrip("\n") + "\n" + entry).lstrip("\n").encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)


def published_files(settings: Settings) -> dict[str, str]:
    """Stored name -> SHA-256 of the published index ({} without one)."""
    from assistant.index.store import open_layout

    manifest = open_layout(settings).read_manifest()
    return {rel: entry.sha256 for rel, entry in manifest.files.items()} if manifest else {}


def add(settings: Settings, upload: Upload, source_id: str | None, progress: IngestProgress | None = None) -> Added:
    """Steps 3-5: store, ingest, finish; on any failure before publishing, the file and its link are taken out."""
    from .pipeline import run_ingest

    skipped: dict[str, str] = {}
    try:
        with writer_lock(settings.store_dir):  # taken before the file is stored: another ingest never sees it
            store(upload, settings.corpus_dir, source_id)
            try:
                run_ingest(settings, progress=progress, on_skip=lambda rel, why: skipped.setdefault(rel, why))
                if upload.rel in skipped:
                    raise UploadError(f"{upload.name} cannot be read: {skipped[upload.rel]}", "unreadable",
                                      file=upload.name, reason=skipped[upload.rel])
            except BaseException:
                undo(settings)
                raise
    except StoreBusy as error:
        raise UploadError(f"{upload.name}: {error}", "store_busy", file=upload.name) from error
    finally:
        if progress is not None:
            progress.close()
    (Path(settings.corpus_dir) / PENDING).unlink(missing_ok=True)
    return describe(settings, upload.rel)


def describe(settings: Settings, rel: str) -> Added:
    """What the published index says about `rel`: its title, chunks and bibliography link."""
    from assistant.index.store import load_snapshot
    from assistant.sources import list_sources

    listing = list_sources(load_snapshot(settings))
    doc = next(d for d in listing["documents"] if d["doc"] == rel)
    source = doc.get("full_text_of")
    notes = next((tuple(s["footnotes"]) for s in listing["sources"] if s["id"] == source), ())
    return Added(rel, doc["title"], doc["chunks"], source, notes)


def undo(settings: Settings) -> str | None:
    """Take out the file and link an unfinished upload left (per the marker) unless its generation was
    published (then it is indexed whole, and kept); the line saying what was done, None when nothing was."""
    corpus = Path(settings.corpus_dir)
    marker = corpus / PENDING
    try:
        pending = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    rel = str(pending.get("file", ""))
    try:
        indexed = rel in published_files(settings)
    except Exception:  # noqa: BLE001 - an unreadable store: the file is not known to be indexed
        indexed = False
    line = None
    if rel and not indexed:
        if Path(rel).parent.as_posix() == SOURCES_DIR:  # the marker names a file of ours, never another path
            (corpus / rel).unlink(missing_ok=True)
        manifest = corpus / MANIFEST
        if pending.get("manifest") is None:
            if _only_ours(manifest, rel):
                manifest.unlink(missing_ok=True)
        else:
            write_atomic(manifest, str(pending["manifest"]).encode("utf-8"))
        line = f"{rel} was not indexed (the upload did not finish); it was removed from the corpus: add it again"
    marker.unlink(missing_ok=True)
    return line


def _only_ours(manifest: Path, rel: str) -> bool:
    """A sources.toml the upload created holds its own entry alone."""
    try:
        text = manifest.read_text(encoding="utf-8")
    except OSError:
        return False
    return text.count("[[source]]") == 1 and Path(rel).name in text


def recover(settings: Settings) -> str | None:
    """At start: an upload the process was killed in the middle of is taken out (see `undo`)."""
    return undo(settings)


"""Build the store when there is none: what the web chat and the evaluation do on a fresh clone."""

from __future__ import annotations

from collections.abc import Callable

from assistant.index.store import open_layout
from assistant.settings import Settings

from .progress import IngestProgress


def ensure_store(settings: Settings, announce: Callable[[str], None] | None = None,
                 progress: IngestProgress | None = None) -> bool:
    """Ingest `settings.corpus_dir` if `settings.store_dir` holds no published index; True if it built one.

    An index that exists but is unusable is left alone: opening it raises a StoreError that says
    what to run, which is better than silently rebuilding over it. `progress` sees the run's steps
    and its embedding work, counted in texts (`ingest.progress.IngestProgress`).
    """
    if open_layout(settings).has_index():  # with a Chroma server: an index published there
        return False
    from ingest.pipeline import run_ingest

    if announce:
        announce(f"no index in {settings.store_dir}: building it from {settings.corpus_dir} first "
                 f"(same as `python -m ingest`)...")
    summary = run_ingest(settings, progress=progress)
    if announce:
        announce(f"index built: {summary.files} files, {summary.chunks} chunks in {summary.seconds:.1f} s")
    return True

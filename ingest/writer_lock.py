"""One writer per store: a second ingest into the same store folder stops with one line instead of writing beside
the first (the CLI next to a web upload, two terminals, two chats sharing a folder). Readers never take it: the
chat keeps answering from the published generation while an ingest runs.

An advisory `flock` on `<store>/.ingest.lock`, released by the kernel when the holder exits, so a killed ingest
leaves no stale lock. Local to one machine: replicas of a Chroma server deployment each ingest into their own copy.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreBusy

LOCK_FILE = ".ingest.lock"
_held: set[Path] = set()  # stores this process holds: an upload stores its file, then runs the ingest, under one lock


@contextmanager
def writer_lock(store_dir: str | Path) -> Iterator[None]:
    root = Path(store_dir).resolve()
    if root in _held:
        yield
        return
    created = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_FILE
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise StoreBusy(f"another ingest is writing {root} (process {holder}); wait for it to finish and run "
                            f"this again: the published index was not changed") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        _held.add(root)
        try:
            yield
        finally:
            _held.discard(root)
            handle.seek(0)
            handle.truncate()
            if created and [p.name for p in root.iterdir()] == [LOCK_FILE]:  # nothing was built: leave no folder
                path.unlink()
                root.rmdir()
            fcntl.flock(handle, fcntl.LOCK_UN)

"""What an ingest run reports while it works: its steps, and the embedding work counted in texts.

Embedding is most of a cold run (a minute on 2 cores beside other work), so it gets a bar with an
ETA; the other steps take a second or two each and get a line. A library call passes nothing and
stays quiet; `python -m ingest` draws the bars on a terminal (`TerminalProgress`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass


@dataclass
class IngestProgress:
    """No-op by default: override what you want to show."""

    def step(self, text: str) -> None:
        """A step begins: "parsing raport-klastry.pdf", "writing the index"..."""

    def file_done(self, name: str) -> None:
        """A corpus file was parsed, reused as it was, or skipped."""

    def embedding(self, texts: int) -> None:
        """The embedding pass begins: `texts` texts to embed (0 when every vector is cached or kept)."""

    def embedded(self, texts: int) -> None:
        """`texts` more texts were embedded."""

    def close(self) -> None:
        """The run ended (or failed): take the bars down."""


class TerminalProgress(IngestProgress):
    """tqdm bars on stderr: files parsed, then texts embedded with rate and ETA; steps as lines."""

    def __init__(self, files: int) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        # a terminal that reports no size (0 x 0) would hide the bars
        self._width = {} if _terminal_columns() else {"ncols": 100, "nrows": 24}
        self._files = tqdm(total=files, desc="parse", unit="file", file=sys.stderr, leave=False, **self._width)
        self._texts = None

    def step(self, text: str) -> None:
        if text.startswith("parsing ") and self._files is not None:
            self._files.set_postfix_str(text.removeprefix("parsing "))
            return
        self.close()  # the parse and embedding bars stay above the lines of later steps
        self._tqdm.write(f"ingest: {text}", file=sys.stderr)

    def file_done(self, name: str) -> None:
        if self._files is not None:
            self._files.update(1)

    def embedding(self, texts: int) -> None:
        self._done_parsing()
        if texts:
            self._texts = self._tqdm(total=texts, desc="embed", unit="text", file=sys.stderr, **self._width)

    def embedded(self, texts: int) -> None:
        if self._texts is not None:
            self._texts.update(texts)

    def close(self) -> None:
        self._done_parsing()
        if self._texts is not None:
            self._texts.close()
            self._texts = None

    def _done_parsing(self) -> None:
        if self._files is not None:
            self._files.close()
            self._files = None


class RecordedProgress(IngestProgress):
    """The CLI's stages and counts kept for another thread to read (the web chat's upload panel): the files
    parsed, then the texts embedded with the same ETA a bar shows (elapsed / done x left), then the steps."""

    def __init__(self, files: int) -> None:
        self._lock = threading.Lock()
        self.stage, self.done, self.total, self._since = "parse", 0, max(0, files), time.monotonic()

    def step(self, text: str) -> None:
        with self._lock:
            if text.startswith("parsing "):
                return
            self.stage, self.done, self.total = text, 0, 0

    def file_done(self, name: str) -> None:
        with self._lock:
            if self.stage == "parse":
                self.done += 1

    def embedding(self, texts: int) -> None:
        with self._lock:
            self.stage, self.done, self.total, self._since = "embed", 0, texts, time.monotonic()

    def embedded(self, texts: int) -> None:
        with self._lock:
            self.done += texts

    def snapshot(self) -> tuple[str, int, int, float | None]:
        """(stage: "parse", "embed" or a step's line; work done; its total, 0 for a step; seconds left or None)."""
        with self._lock:
            done, total = min(self.done, self.total), self.total
            left = ((time.monotonic() - self._since) / done * (total - done)
                    if self.stage == "embed" and 0 < done < total else None)
            return self.stage, done, total, left


def _terminal_columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        return 0

"""`python -m ingest [--corpus DIR] [--store DIR] [--rebuild | --re-embed] [--strict] [--json]` (also `klastry ingest`).

Exit codes: 0 indexed, 1 a file was skipped under --strict, 2 bad setting / no corpus / nothing readable;
130 interrupted (Ctrl-C: the published index is untouched), 141 the reader of the output went away.
"""

from __future__ import annotations

import argparse
import errno
import json
import sqlite3
import sys

from assistant.errors import StoreError
from assistant.settings import Settings

from .pipeline import IngestSummary, run_ingest
from .plan import corpus_files
from .progress import IngestProgress, TerminalProgress


def main(argv: list[str] | None = None, prog: str = "python -m ingest") -> int:
    """Run the ingest command; `| head` and Ctrl-C end it without a traceback (assistant.cli.guarded)."""
    from assistant.cli import guarded

    return guarded(lambda: _main(argv, prog))


def build_parser(prog: str = "python -m ingest") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Index corpus/ into the store.",
                                     epilog="exit codes: 0 indexed, 1 a file was skipped (with --strict), 2 a bad "
                                            "setting, no corpus folder or nothing readable; 130 interrupted")
    parser.add_argument("--corpus", help="folder of PDF/.txt/.md files (default: corpus/)")
    parser.add_argument("--store", help="store folder (default: .store/)")
    parser.add_argument("--rebuild", action="store_true",
                        help="re-parse every file and write the whole index again (vectors of texts embedded "
                             "before come from the store's embedding cache)")
    parser.add_argument("--re-embed", action="store_true",
                        help="--rebuild, and embed every text again instead of using the cache")
    parser.add_argument("--strict", action="store_true", help="exit non-zero when any file is skipped")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def _main(argv: list[str] | None, prog: str) -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        settings = Settings.load(corpus_dir=args.corpus, store_dir=args.store)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not settings.corpus_dir.is_dir():
        print(f"error: corpus folder {settings.corpus_dir} does not exist", file=sys.stderr)
        return 2
    files = corpus_files(settings.corpus_dir)
    progress = TerminalProgress(len(files)) if sys.stderr.isatty() and not args.json else IngestProgress()

    def skipped(name: str, reason: str) -> None:
        from tqdm import tqdm

        tqdm.write(f"skipped {name}: {reason}", file=sys.stderr)  # above the bars, not through them

    try:
        summary = run_ingest(settings, rebuild=args.rebuild, progress=progress, on_skip=skipped,
                             re_embed=args.re_embed)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.OperationalError) as error:
        if not _disk_full(error):
            raise
        print(f"error: the disk is full ({str(error).strip()[:200]}): free some space under {settings.store_dir} "
              f"and run `python -m ingest` again; the published index was not changed", file=sys.stderr)
        return 2
    finally:
        progress.close()
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(summary_line(summary))
        for note in summary.notes:  # cited works' full texts: which file matched which work, how sure; checks
            print(note)
    if summary.skipped and args.strict:
        return 1
    return 0


def _disk_full(error: BaseException) -> bool:
    return getattr(error, "errno", None) == errno.ENOSPC or "disk is full" in str(error).lower()


def summary_line(summary: IngestSummary) -> str:
    written = (f"rebuilt: all {summary.embedded} chunks written again" if summary.rebuilt
               else f"{summary.embedded} written")
    vectors = f"{summary.texts_embedded} texts embedded, {summary.texts_cached} from the cache"
    pages = f"{summary.pages} pages"
    if summary.skipped_pages:
        pages += f" ({len(summary.skipped_pages)} skipped: {'; '.join(summary.skipped_pages)})"
    return (f"{summary.files} files, {pages}, {summary.chunks} chunks ({written}, {vectors}, "
            f"{summary.deleted} removed), {summary.footnotes} footnotes, {summary.sources} sources "
            f"in {summary.seconds:.1f} s -> {summary.store}")


if __name__ == "__main__":
    sys.exit(main())

"""`python -m ingest [--corpus DIR] [--store DIR] [--rebuild] [--strict] [--json]` (also `klastry ingest`).

Exit codes: 0 indexed, 1 a file was skipped under --strict, 2 bad setting / no corpus / nothing readable;
130 interrupted (Ctrl-C: the published index is untouched), 141 the reader of the output went away.
"""

from __future__ import annotations

import argparse
import json
import sys

from tqdm import tqdm

from assistant.errors import StoreError
from assistant.settings import Settings

from .pipeline import run_ingest
from .plan import corpus_files


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
    parser.add_argument("--rebuild", action="store_true", help="re-parse and re-embed every file from scratch")
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
    bar = tqdm(total=len(files), desc="ingest", unit="file", disable=args.json or not sys.stderr.isatty())

    def skipped(name: str, reason: str) -> None:
        tqdm.write(f"skipped {name}: {reason}", file=sys.stderr)

    try:
        summary = run_ingest(settings, rebuild=args.rebuild, progress=lambda name, n: bar.update(n), on_skip=skipped)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    else:
        embedded = (f"rebuilt: all {summary.embedded} chunks re-embedded" if summary.rebuilt
                    else f"{summary.embedded} embedded")
        print(f"{summary.files} files, {summary.pages} pages, {summary.chunks} chunks "
              f"({embedded}, {summary.deleted} removed), {summary.footnotes} footnotes, "
              f"{summary.sources} sources in {summary.seconds:.1f} s -> {summary.store}")
    if summary.skipped and args.strict:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

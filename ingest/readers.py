"""Read a corpus file into pages of blocks: PDF through pypdf, `.txt` / `.md` as text.

Text files are one page each unless they carry form-feed page breaks; paragraphs
are separated by blank lines and Markdown `#` lines are headings.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import IngestError
from .layout import Block, PageParts, Segment, is_contents_page, split_page
from .pdf_reader import read_pdf

SUPPORTED = (".pdf", ".txt", ".md")


def read_document(path: Path) -> tuple[str, list[PageParts]]:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        title, layouts = read_pdf(path)
        return title, [split_page(layout) for layout in layouts if not is_contents_page(layout)]
    if suffix in (".txt", ".md"):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise IngestError(f"not UTF-8 text (byte {error.start}); convert it with iconv and re-run") from error
        if not text.strip():
            raise IngestError("empty text file")
        return _text_title(path, text), text_pages(text)
    raise IngestError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED)}")


def _text_title(path: Path, text: str) -> str:
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return heading.group(1).strip() if heading else path.stem


def text_pages(text: str) -> list[PageParts]:
    pages = []
    for number, page_text in enumerate(text.split("\f"), start=1):
        parts = PageParts(number)
        for paragraph in re.split(r"\n\s*\n", page_text):
            lines = [line.strip() for line in paragraph.strip().splitlines() if line.strip()]
            if not lines:
                continue
            heading = re.match(r"^(#{1,6})\s+(.*)$", lines[0])
            if heading:
                parts.blocks.append(Block("heading", [Segment(number, heading.group(2).strip())],
                                          len(heading.group(1))))
                lines = lines[1:]
                if not lines:
                    continue
            parts.blocks.append(Block("paragraph", [Segment(number, " ".join(lines))]))
        if parts.blocks:
            pages.append(parts)
    return pages

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
    if suffix not in SUPPORTED:
        raise IngestError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED)}")
    if path.stat().st_size == 0:
        raise IngestError("empty file (0 bytes)")
    if suffix == ".pdf":
        title, layouts = read_pdf(path)
        return title, [_page_parts(layout) for layout in layouts]
    text = CONTROL.sub("", decode_text(path.read_bytes()))
    if not text.strip():
        raise IngestError("empty text file")
    return _text_title(path, text), text_pages(text)


def _page_parts(layout) -> PageParts:
    """A page's blocks, or an empty page that says why it is skipped (ingest and `sources` report it)."""
    if is_contents_page(layout):
        return PageParts(layout.number, skipped="table of contents")
    if not layout.lines:
        return PageParts(layout.number, skipped="no text (an image or an empty page)")
    return split_page(layout)


# C0/C1 control characters other than tab, newline, carriage return and form feed (a page break here), and the
# bidi embeddings, overrides and isolates, which would reorder the text shown around a quote
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BINARY = re.compile(rb"[\x00-\x08\x0e-\x1f]")  # bytes no text file holds (NUL, escapes): a binary file
POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1250 or ISO-8859-2: the two encodings of
    Polish text saved outside UTF-8, told apart by which gives more Polish letters (they differ in ą, ś, ź;
    charset-normalizer guesses wrong on a line or two of Polish). A reading whose non-ASCII characters are
    not mostly Polish letters (damaged UTF-8, another language's code page, binary data) is an IngestError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise IngestError(f"broken UTF-16 text (byte {error.start}); convert it to UTF-8 and re-run") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = error.start
    readings = []
    for encoding in ("cp1250", "iso8859_2"):  # ISO-8859-2 maps every byte: there is always one reading
        try:
            readings.append(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    text = max(readings, key=lambda reading: sum(ch in POLISH for ch in reading))
    foreign = [ch for ch in text if ord(ch) > 127]
    if BINARY.search(data) or 2 * sum(ch in POLISH for ch in foreign) < len(foreign):
        raise IngestError(f"not UTF-8 (byte {bad}), nor Polish text in Windows-1250 or ISO-8859-2; "
                          "convert it to UTF-8 and re-run")
    return text


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

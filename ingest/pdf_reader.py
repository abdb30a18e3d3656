"""Read a PDF page by page with pypdf, keeping what plain text loses.

Plain `extract_text()` glues superscript footnote markers to the previous token
(`było ich 185.` is 18 + footnote 5) and drops paragraph breaks. The text visitor
gives each fragment's font size and position, so here superscripts become Unicode
superscript digits (`18⁵.`) and vertical gaps become blank lines. Downstream
parsing then works on text alone.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
from pypdf.errors import PdfReadError

from .errors import IngestError

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass
class Line:
    text: str
    x: float
    y: float
    size: float
    bold: bool
    cell: tuple[float, float] | None = None  # table cell origin, when drawn in its own frame


@dataclass
class PageLayout:
    index: int  # 1-based position in the file
    number: int  # number as printed in the footer (falls back to index)
    lines: list[Line]
    body_size: float
    links: list[str] = field(default_factory=list)  # targets of the page's URI link annotations


@contextmanager
def _quiet_pypdf():
    """pypdf logs its repairs of damaged files ("EOF marker not found"); a file that fails gets one
    `skipped FILE: reason` line from ingest instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_pdf(path: Path) -> tuple[str, list[PageLayout]]:
    """Return the document title and its pages; raise IngestError for unusable files."""
    with _quiet_pypdf():
        return _read_pdf(path)


def _read_pdf(path: Path) -> tuple[str, list[PageLayout]]:
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted:
            raise IngestError("encrypted PDF (remove the password and re-run)")
        pages = [_read_page(i + 1, page) for i, page in enumerate(reader.pages)]
        weight: dict[float, int] = {}
        for layout in pages:
            for line in layout.lines:
                weight[line.size] = weight.get(line.size, 0) + len(line.text)
        body_size = max(weight, key=weight.get) if weight else 10.0
        for layout in pages:
            layout.body_size = body_size  # one document-wide body size: footnote-heavy pages stay right
        title = (reader.metadata or {}).get("/Title") or ""
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise IngestError(f"corrupted PDF ({type(error).__name__}: {str(error)[:120]})") from error
    except Exception as error:  # pypdf raises assorted errors on damaged streams
        raise IngestError(f"unreadable PDF ({type(error).__name__}: {str(error)[:120]})") from error
    if not pages:
        raise IngestError("empty PDF (no pages)")
    if not any(line.text.strip() for page in pages for line in page.lines):
        raise IngestError("no extractable text (image-only or scanned PDF; run OCR first)")
    return str(title).strip() or path.stem, pages


def _read_page(index: int, page) -> PageLayout:
    fragments: list[tuple[float, float, float, bool, str, tuple | None]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip("\n"):
            return
        font = str((font_dict or {}).get("/BaseFont", ""))
        scale = cm[3] or 1.0
        x, y = cm[4] + tm[4] * (cm[0] or 1.0), cm[5] + tm[5] * scale
        size = float(font_size) * abs(scale) * abs(tm[3] or 1.0)
        cell = (round(cm[4], 1), round(cm[5], 1)) if (cm[4] or cm[5]) else None
        fragments.append((x, y, size, "Bold" in font, text, cell))

    page.extract_text(visitor_text=visit)
    lines = _join_lines(fragments)
    number = index
    if lines and lines[-1].text.strip().isascii() and lines[-1].text.strip().isdigit() and lines[-1].y < 60:
        number = int(lines.pop().text.strip())
    return PageLayout(index=index, number=number, lines=lines, body_size=0.0, links=_link_targets(page))


def _link_targets(page) -> list[str]:
    """The URIs of the page's link annotations: a footnote's URL printed cut or wrapped is rebuilt from them."""
    targets = []
    try:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            uri = action.get_object().get("/URI") if hasattr(action, "get_object") else None
            if isinstance(uri, (str, bytes)):
                targets.append(uri.decode("latin-1") if isinstance(uri, bytes) else str(uri))
    except (AttributeError, KeyError, TypeError, ValueError):  # a damaged annotation costs its link, not the page
        pass
    return list(dict.fromkeys(targets))


def _join_lines(fragments) -> list[Line]:
    """Join fragments on one baseline; small raised digits become superscripts."""
    lines: list[Line] = []
    for x, y, size, bold, text, cell in fragments:
        piece = text.replace("\n", "")
        same_line = bool(lines) and abs(lines[-1].y - y) < 1.0 and lines[-1].cell == cell
        is_marker = same_line and piece.strip().isdigit() and size < 0.75 * lines[-1].size
        if is_marker:
            piece = piece.strip().translate(SUPERSCRIPT)
        if same_line and not lines[-1].text.endswith("\n"):
            line = lines[-1]
            line.text += piece
            if not is_marker:
                line.bold = line.bold or bold
        else:
            lines.append(Line(piece, x, y, size, bold, cell))
        if text.endswith("\n"):
            lines[-1].text += "\n"
    for line in lines:
        line.text = line.text.rstrip("\n").rstrip()
    return [line for line in lines if line.text]

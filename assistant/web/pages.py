"""The page viewer: a cited PDF page rendered with the quote marked, or its text with the quote highlighted."""

from __future__ import annotations

import difflib
import html
import threading
from pathlib import Path

PDFIUM_LOCK = threading.Lock()  # pdfium is not thread-safe: one page render at a time


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _normalized(text: str) -> tuple[str, list[int]]:
    """Lower-case letters and digits only, with each kept character's index in `text`."""
    kept = [(i, ch.lower()) for i, ch in enumerate(text) if ch.isalnum()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def quote_spans(page_text: str, quote: str, min_run: int = 12) -> list[tuple[int, int]]:
    """Character spans of `page_text` that match the quote, ignoring spacing, line breaks,
    punctuation and glued footnote numbers. Returns merged [start, end) spans."""
    page_norm, page_index = _normalized(page_text)
    quote_norm, _ = _normalized(quote)
    if not page_norm or not quote_norm:
        return []
    matcher = difflib.SequenceMatcher(None, page_norm, quote_norm, autojunk=False)
    least = min(min_run, len(quote_norm))
    spans: list[tuple[int, int]] = []
    for block in matcher.get_matching_blocks():
        if block.size >= least:
            start, end = page_index[block.a], page_index[block.a + block.size - 1] + 1
            if spans and start - spans[-1][1] <= 3:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def highlighted_html(page_text: str, quote: str) -> str:
    out, pos = [], 0
    for start, end in quote_spans(page_text, quote):
        out += [esc(page_text[pos:start]), f"<mark>{esc(page_text[start:end])}</mark>"]
        pos = end
    out.append(esc(page_text[pos:]))
    # focusable, so the scrolled page text can be read and scrolled by keyboard (WCAG 2.1.1)
    return ('<div class="page-text" tabindex="0" role="region" aria-label="page text">'
            + "".join(out).replace("\r", "").replace("\n", "<br>") + "</div>")


def resolve_doc(corpus_dir: Path, doc: str) -> Path | None:
    """The corpus file a citation names; None when it is missing or outside the corpus folder."""
    root = Path(corpus_dir).resolve()
    path = (root / doc).resolve()
    return path if path.is_file() and root in path.parents else None


def page_view(corpus_dir: Path, doc: str, page: int, quote: str, scale: float = 1.6):
    """(PIL image or None, escaped page text HTML with the quote marked)."""
    path = resolve_doc(corpus_dir, doc)
    if path is None:
        return None, ""
    if path.suffix.lower() != ".pdf":
        pages = path.read_text(encoding="utf-8", errors="replace").split("\f")
        text = pages[page - 1] if 1 <= page <= len(pages) else ""
        return None, highlighted_html(text, quote)
    return render_pdf_page(path, page, quote, scale)


def render_pdf_page(path: Path, page: int, quote: str, scale: float = 1.6):
    """The PDF page as an image with the quote's lines painted yellow, and its text with the quote marked."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            if not 1 <= page <= len(pdf):
                return None, ""
            pdf_page = pdf[page - 1]
            textpage = pdf_page.get_textpage()
            text = textpage.get_text_range()
            image = pdf_page.render(scale=scale).to_pil().convert("RGB")
            height = pdf_page.get_height()
            overlay = image.copy()
            draw = ImageDraw.Draw(overlay)
            aligned = len(text) == textpage.count_chars()  # one char per index: spans map to pdfium indices
            for start, end in quote_spans(text, quote) if aligned else []:
                for i in range(textpage.count_rects(start, end - start)):
                    left, bottom, right, top = textpage.get_rect(i)
                    draw.rectangle((left * scale - 2, (height - top) * scale - 2, right * scale + 2,
                                    (height - bottom) * scale + 2), fill=(255, 225, 0))
            return Image.blend(image, overlay, 0.45), highlighted_html(text, quote)
        finally:
            pdf.close()


# ---- the grant-draft tab ------------------------------------------------------------------------


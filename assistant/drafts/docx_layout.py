"""What makes the .docx ready for an application form: A4 page, margins, styles, language, properties, links.

Polish offices expect A4 with 2.5 cm margins, a plain body font, page numbers, and Word's spelling in the
draft's language: python-docx's template is US Letter, en-US, authored "python-docx". Here every `w:lang`
in the styles becomes the draft's (pl-PL, or en-GB for an English draft, whose Polish quotes are marked
pl-PL run by run), the core properties come from the draft (title = its subject, author = the
`draft_author` setting), and URLs and DOIs become real hyperlinks (external relationships of the part
that holds them: the document or the footnotes).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LANGUAGE_TAGS = {"pl": "pl-PL", "en": "en-GB"}
PAGE_MM = (210, 297)  # A4
MARGIN_MM = 25        # 2.5 cm on every side
BODY_FONT, BODY_PT, NOTE_PT = "Calibri", 11, 9
LINK = re.compile(r"https?://[^\s<>„”\"]+[^\s<>„”\".,;:)\]]")
QUOTE = re.compile(r"„[^”]*”")
LINK_COLOUR = "0563C1"


def language_tag(lang: str) -> str:
    return LANGUAGE_TAGS.get(lang, "pl-PL")


def prepare(document, lang: str, title: str, subject: str, author: str) -> None:
    """Page, margins, page numbers, body style, the document's language and its core properties."""
    for section in document.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin = section.bottom_margin = Mm(MARGIN_MM)
        section.left_margin = section.right_margin = Mm(MARGIN_MM)
        section.header_distance = section.footer_distance = Mm(12.5)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer._p.append(parse_xml(f'<w:fldSimple xmlns:w="{W}" w:instr=" PAGE "><w:r><w:t>1</w:t></w:r>'
                                   f'</w:fldSimple>'))
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    set_language(document, language_tag(lang))
    properties = document.core_properties
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    properties.title, properties.subject = title, subject
    properties.author = properties.last_modified_by = author
    properties.comments, properties.keywords, properties.category = "", "", ""
    properties.language = language_tag(lang)
    properties.created = properties.modified = now
    properties.revision = 1


def set_language(document, tag: str) -> None:
    """Every `w:lang` of the styles part (the defaults and each style's own) set to `tag`."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = parse_xml(f'<w:docDefaults xmlns:w="{W}"/>')
        styles.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = parse_xml(f'<w:rPrDefault xmlns:w="{W}"/>')
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = parse_xml(f'<w:rPr xmlns:w="{W}"/>')
        run_defaults.append(properties)
    if properties.find(qn("w:lang")) is None:
        properties.append(parse_xml(f'<w:lang xmlns:w="{W}"/>'))
    for element in styles.iter(qn("w:lang")):
        element.set(qn("w:val"), tag)
        element.set(qn("w:eastAsia"), tag)
        element.attrib.pop(qn("w:bidi"), None)


def run_language(run, tag: str) -> None:
    """One run's own language (a Polish quote inside an English draft)."""
    properties = run._r.get_or_add_rPr()
    properties.append(parse_xml(f'<w:lang xmlns:w="{W}" w:val="{tag}"/>'))


def add_text(paragraph, text: str, draft_lang: str = "pl", size: float | None = None) -> None:
    """`text` as runs: URLs as hyperlinks, and in an English draft its „quotes” marked Polish."""
    position = 0
    for match in LINK.finditer(text):
        _plain(paragraph, text[position:match.start()], draft_lang, size)
        add_link(paragraph, paragraph.part, match.group(), match.group(), size)
        position = match.end()
    _plain(paragraph, text[position:], draft_lang, size)


def _plain(paragraph, text: str, draft_lang: str, size: float | None) -> None:
    pieces = [text] if draft_lang == "pl" else re.split(f"({QUOTE.pattern})", text)
    for piece in pieces:
        if not piece:
            continue
        run = paragraph.add_run(piece)
        if size:
            run.font.size = Pt(size)
        if draft_lang != "pl" and QUOTE.fullmatch(piece):
            run_language(run, "pl-PL")


def add_link(paragraph, part, url: str, text: str, size: float | None = None) -> None:
    """A real hyperlink (external relationship of `part`), shown underlined in Word's link colour."""
    paragraph._p.append(hyperlink(part, url, text, size))


def hyperlink(part, url: str, text: str, size: float | None = None):
    """The `w:hyperlink` element for `url`, related from `part` (the document or the footnotes)."""
    rid = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = parse_xml(f'<w:hyperlink xmlns:w="{W}" xmlns:r="{R}" r:id="{rid}" w:history="1"><w:r><w:rPr>'
                     f'<w:color w:val="{LINK_COLOUR}"/><w:u w:val="single"/>'
                     + (f'<w:sz w:val="{int(size * 2)}"/>' if size else "") + '</w:rPr><w:t xml:space="preserve"/>'
                     '</w:r></w:hyperlink>')
    link.find(f".//{qn('w:t')}").text = text
    return link


def link_runs(note, part, text: str, size: float) -> None:
    """`text` appended to a footnote's paragraph element as runs and hyperlinks (the footnotes part's links)."""
    position = 0
    for match in LINK.finditer(text):
        _note_run(note, text[position:match.start()], size)
        note.append(hyperlink(part, match.group(), match.group(), size))
        position = match.end()
    _note_run(note, text[position:], size)


def _note_run(note, text: str, size: float) -> None:
    if not text:
        return
    run = parse_xml(f'<w:r xmlns:w="{W}"><w:rPr><w:sz w:val="{int(size * 2)}"/></w:rPr>'
                    '<w:t xml:space="preserve"/></w:r>')
    run.find(qn("w:t")).text = text
    note.append(run)

"""Pure rendering helpers for the web chat (ui.py, assistant.web.handlers): Answer -> HTML cards,
plain text, page view, and the grant-draft tab's safe Markdown and per-request download folder.
No gradio here.

Every piece of document text (answer, quotes, titles, sections, references, page text) goes
through `esc` (html.escape) before it is put into HTML, so a corpus file containing `<script>`
or `<img onerror=...>` is shown as text and runs nothing. Links are only emitted for http(s)
URLs and DOIs. Draft Markdown goes through `draft_markdown`: its HTML is escaped and link
syntax broken, so the report's text is shown as text there too.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import quote as url_quote
from urllib.parse import urlparse

from assistant.answer.citations import other_value_line
from assistant.claims import check_line
from assistant.strings import message
from assistant.types import Answer, Citation, Outcome
from assistant.web.pages import (  # noqa: E402,F401  (the page viewer, kept importable from here)
    highlighted_html,
    page_view,
    quote_spans,
    render_pdf_page,
    resolve_doc,
)

EXAMPLES = [
    "Ile klastrów ma status Krajowego Klastra Kluczowego?",
    "Ile aktywnych klastrów zidentyfikowano w Polsce?",
    "Ilu członków ma średnio klaster?",
    "Jaki odsetek członków klastrów stanowią przedsiębiorstwa?",
    "Które klastry są największe pod względem liczby członków?",
]
EXAMPLES_EN = [  # shown once the labels are English (an English question was asked)
    "How many clusters have the status of a National Key Cluster?",
    "How many active clusters were identified in Poland?",
    "How many members does a cluster have on average?",
    "What share of cluster members are enterprises?",
    "Which clusters are the largest by number of members?",
]
SHOWN_QUESTION_CHARS = 600  # a 100 kB paste is shown shortened in the chat (the assistant still rejects it)

LABELS = {
    "pl": {
        "title": "Asystent raportu o klastrach",
        "intro": "Zadaj pytanie o raport „Klastry przemysłowe w Polsce”. Każda odpowiedź ma źródła: stronę raportu, "
                 "rozdział, cytat i przypis z pełnym opisem źródła.",
        "placeholder": "Zadaj pytanie o raport…",
        "send": "Wyślij", "new_chat": "Nowa rozmowa", "copy": "Kopiuj odpowiedź jako tekst",
        "copied": "Skopiowano", "plain": "Odpowiedź ze źródłami (zwykły tekst)",
        "examples": "Przykładowe pytania", "panel": "Cytowana strona",
        "pick": "Otwórz stronę źródła", "page_image": "Strona raportu", "page_text": "Tekst strony",
        "panel_hint": "Kliknij „Pokaż stronę” przy źródle, aby zobaczyć całą stronę z zaznaczonym cytatem.",
        "sources": "Źródła", "page": "s.", "section": "Rozdział", "footnote": "Przypis",
        "show_page": "Pokaż stronę", "no_reference": "brak opisu źródła w przypisie",
        "refusal": "Raport nie zawiera odpowiedzi na to pytanie.",
        "check": "Do sprawdzenia: to najbliższy fragment raportu, nie pewna odpowiedź.",
        "check_sources": "Źródła fragmentu do sprawdzenia",
        "see_also": "Zobacz też: powiązane fragmenty raportu (to nie jest odpowiedź)",
        "error": "Nie mogę przyjąć tego pytania", "empty": "(pusta wiadomość)", "loading": "Wczytuję indeks…",
        "building": "Pierwsze uruchomienie: buduję indeks raportu (około minuty). Pytania wysłane teraz poczekają.",
        "starting": "Uruchamiam asystenta…", "failed": "Asystent niedostępny",
        "page_missing": "Nie można wyświetlić tej strony", "feedback_thanks": "Dziękujemy za ocenę.",
    },
    "en": {
        "title": "Cluster report assistant",
        "intro": "Ask about the report on industrial clusters in Poland. Every answer has sources: report page, "
                 "section, quote and the footnote with the full reference.",
        "placeholder": "Ask a question about the report…",
        "send": "Send", "new_chat": "New conversation", "copy": "Copy answer as plain text",
        "copied": "Copied", "plain": "Answer with sources (plain text)",
        "examples": "Example questions", "panel": "Cited page",
        "pick": "Open a source page", "page_image": "Report page", "page_text": "Page text",
        "panel_hint": "Click “Show page” on a source to see the whole page with the quote highlighted.",
        "sources": "Sources", "page": "p.", "section": "Section", "footnote": "Footnote",
        "show_page": "Show page", "no_reference": "the footnote gives no reference",
        "refusal": "The report does not answer this question.",
        "check": "To check: the closest passage of the report, not a sure answer.",
        "check_sources": "Sources of the passage to check",
        "see_also": "See also: related passages of the report (not an answer)",
        "error": "I cannot take this question", "empty": "(empty message)", "loading": "Loading the index…",
        "building": "First start: building the report's index (about a minute). Questions sent now will wait.",
        "starting": "Starting the assistant…", "failed": "Assistant unavailable",
        "page_missing": "This page cannot be shown", "feedback_thanks": "Thank you for the feedback.",
    },
}

DRAFT_LABELS = {  # the grant-draft tab (Polish interface; the draft itself is in the chosen language)
    "tab_chat": "Czat", "tab": "Uzasadnienie wniosku", "topic": "Temat projektu",
    "placeholder": "np. szkolenia i staże w klastrze ICT", "language": "Język szkicu", "button": "Przygotuj szkic",
    "files": "Pobierz szkic (.md, .docx)", "error": "Nie mogę przyjąć tego tematu",
    "intro": "Opisz temat projektu w jednym zdaniu (do 500 znaków). Szkic uzasadnienia składa się wyłącznie z "
             "dosłownych cytatów z raportu z liczbami, numerowanymi przypisami [n] i bibliografią. Gdy raport nie ma "
             "danych na ten temat, szkic nie powstaje.",
}
DRAFT_LABELS_EN = {  # the same tab once the interface is English
    "tab_chat": "Chat", "tab": "Grant justification", "topic": "Project topic",
    "placeholder": "e.g. training and internships in an ICT cluster", "language": "Draft language",
    "button": "Prepare a draft", "files": "Download the draft (.md, .docx)", "error": "I cannot take this topic",
    "intro": "Describe the project's topic in one sentence (up to 500 characters). The draft consists only of "
             "verbatim quotes from the report with figures, numbered footnotes [n] and a bibliography. When the "
             "report has no data on the topic, no draft is made.",
    "figures": "Quotes with figures for the draft (the ticked ones go into the downloads)",
    "export": "Save the draft with the ticked quotes",
}
DRAFT_PREFIX = "klastry-szkic-"  # per-request folders under tempfile.gettempdir()
DRAFT_KEEP_S = 3600  # older request folders are removed when a new draft is written

MARKER = re.compile(r"\[(\d{1,3})\]")
PAGE_LINK = "strona-"  # "show page" links are href="#strona-<key>"; ui.py's click handler opens the page


def labels(language: str | None) -> dict[str, str]:
    return LABELS["en" if language == "en" else "pl"]


def draft_labels(language: str | None) -> dict[str, str]:
    return DRAFT_LABELS_EN if language == "en" else DRAFT_LABELS


def examples(language: str | None) -> list[str]:
    return EXAMPLES_EN if language == "en" else EXAMPLES


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def one_line(markup: str) -> str:
    """Chat messages go through Markdown: keep HTML on one line so no blank line ends the HTML block."""
    return re.sub(r"\s*\n\s*", " ", markup)


def safe_href(url: str | None = None, doi: str | None = None) -> str | None:
    if doi:
        return "https://doi.org/" + url_quote(doi.strip(), safe="/:;()._-")
    if url and urlparse(url.strip()).scheme in ("http", "https"):
        return url.strip()
    return None


def link(url: str | None = None, doi: str | None = None) -> str:
    href = safe_href(url, doi)
    if not href:
        return ""
    text = f"DOI {doi}" if doi else url
    return f'<a href="{esc(href)}" target="_blank" rel="noopener noreferrer nofollow">{esc(text)}</a>'


def text_html(text: str) -> str:
    """Escaped text with [n] markers as superscript references and line breaks kept."""
    escaped = esc(text).replace("\r", "")
    escaped = MARKER.sub(r'<sup class="cite-ref">[\1]</sup>', escaped)
    return escaped.replace("\n", "<br>")


def user_html(message: str, lang: str) -> str:
    """The visitor's question as shown in the chat: escaped, and shortened when it is a huge paste."""
    if not message.strip():
        return f'<div class="user-question"><i>{labels(lang)["empty"]}</i></div>'
    shown = message if len(message) <= SHOWN_QUESTION_CHARS else (
        message[:SHOWN_QUESTION_CHARS] + f"… (+{len(message) - SHOWN_QUESTION_CHARS})")
    return f'<div class="user-question">{text_html(shown)}</div>'


def streaming_html(text: str) -> str:
    return f'<div class="answer streaming">{text_html(text)}</div>'


def reference_html(reference: str, url: str | None, doi: str | None) -> str:
    """The full footnote reference, escaped, with its URL/DOI clickable (in place when the text contains it)."""
    href = safe_href(url, doi)
    for needle in (doi, url):
        if href and needle and needle in reference:
            before, _, after = reference.partition(needle)
            anchor = f'<a href="{esc(href)}" target="_blank" rel="noopener noreferrer nofollow">{esc(needle)}</a>'
            return esc(before) + anchor + esc(after)
    return " ".join(part for part in (esc(reference), link(url, doi)) if part)


def source_lines(citation: Citation, lang: str) -> list[str]:
    t = labels(lang)
    lines = []
    for source in citation.sources:
        ref = reference_html(source.reference or "", source.url, source.doi) or f"<i>{t['no_reference']}</i>"
        check = ""
        if source.check is not None:  # what the cited work's own text says (issue 16), escaped like the rest
            check = (f'<div class="source-check check-{esc(source.check.state)}">'
                     f'{esc(check_line(source.check, lang))}</div>')
        lines.append(f'<li><span class="fn">{t["footnote"]} {int(source.footnote)}</span>: {ref}{check}</li>')
    cited = {int(s.footnote) for s in citation.sources}
    for number in citation.footnotes:
        if int(number) not in cited:
            lines.append(f'<li><span class="fn">{t["footnote"]} {int(number)}</span></li>')
    return lines


def citation_card(citation: Citation, lang: str, key: str, label: str | None = None) -> str:
    t = labels(lang)
    head = label or f"[{int(citation.marker)}]"
    where = f"{t['page']} {int(citation.page)}" if citation.page else ""
    sources = source_lines(citation, lang)
    document = esc(citation.title or citation.doc)
    # a document without headings (a .md with none) has no section: no empty "Rozdział:" line then
    section = f'<div class="card-section">{t["section"]}: {esc(citation.section)}</div>' if citation.section else ""
    return (
        '<div class="source-card">'
        f'<div class="card-head"><span class="card-num">{esc(head)}</span> '
        f'<span class="card-page">{esc(where)}</span> · <span class="card-doc">{document}</span> '
        f'<a class="open-page" href="#{PAGE_LINK}{esc(key)}" role="button">{t["show_page"]}</a></div>'
        f"{section}"
        f'<blockquote class="card-quote"><mark>{esc(citation.quote)}</mark></blockquote>'
        + (f'<p class="card-damaged" role="note">⚠ {esc(message("damaged_quote", lang, piece=citation.damaged))}'
           "</p>" if citation.damaged else "")
        + (f'<ul class="card-sources">{"".join(sources)}</ul>' if sources else "")
        + "</div>"
    )


def answer_html(answer: Answer, turn: int) -> str:
    """The final chat message, its block classed by outcome: notice, text, source cards, see-also apart."""
    t = labels(answer.language)
    check = answer.outcome == Outcome.CHECK
    parts = [f'<div class="answer-block outcome-{esc(answer.outcome)}" lang="{esc(answer.language)}">']
    if answer.refused and answer.language in LABELS:  # other languages get the assistant's own note only
        parts.append(f'<div class="refusal-notice" role="status">⚠️ {t["refusal"]}</div>')
    if check:
        parts.append(f'<div class="check-notice" role="status">ⓘ {t["check"]}'
                     + (f'<div class="check-missing">{esc(answer.missing)}</div>' if answer.missing else "")
                     + "</div>")  # what the passage does not mention: where to look when checking it
    parts.append(f'<div class="answer">{text_html(answer.answer)}</div>')
    parts += [f'<div class="other-value">{esc(other_value_line(v, answer.language))}</div>'
              for v in answer.other_values]  # another document's figure: under the answer (issue 26)
    if answer.citations:
        cards = "".join(citation_card(c, answer.language, cite_key(turn, c.marker)) for c in answer.citations)
        title = t["check_sources"] if check else t["sources"]
        parts.append(f'<div class="sources"><div class="sources-title">{title}</div>{cards}</div>')
    if answer.see_also:
        cards = "".join(citation_card(c, answer.language, cite_key(turn, f"s{i}"), label=f"↗ {i}")
                        for i, c in enumerate(answer.see_also, start=1))
        parts.append(f'<div class="see-also"><div class="see-also-title">{t["see_also"]}</div>{cards}</div>')
    parts.append("</div>")
    return one_line("".join(parts))


def error_html(message: str, lang: str) -> str:
    return f'<div class="input-error" role="alert">⚠️ <b>{labels(lang)["error"]}</b>: {esc(message)}</div>'


def status_html(phase: str, detail: str, seconds: float, lang: str = "pl") -> str:
    """The banner above the chat while the assistant is not ready yet; empty once it is."""
    if phase == "ready":
        return ""
    t = labels(lang)
    text = t.get(phase, t["loading"])
    more = f" ({esc(detail)})" if phase == "failed" and detail else f" {int(seconds)} s"
    return f'<div class="status-banner status-{esc(phase)}" role="status">⏳ {esc(text)}{more}</div>'


def panel_html(lang: str, title: str | None = None, page: int | None = None) -> str:
    """The side panel's heading: which document and page it shows, or how to open one."""
    t = labels(lang)
    if title is None:
        return f'<h3 class="panel-heading">{t["panel"]}</h3><p>{t["panel_hint"]}</p>'
    return f'<h3 class="panel-heading">{t["panel"]}: {esc(title)}, {t["page"]} {int(page or 0)}</h3>'


def cite_key(turn: int, marker: int | str) -> str:
    """A card's key: its turn and marker (`s1`, `s2` for see-also cards, whose markers restart at 1).

    Not the chunk id: two cards of one answer can quote the same chunk, and see-also cards can
    repeat a cited chunk; the card's Citation (with its chunk_id) is what the session keeps by key."""
    return f"{turn}-{marker}"


def cite_keys(answer: Answer, turn: int) -> dict[str, Citation]:
    keys = {cite_key(turn, c.marker): c for c in answer.citations}
    keys.update({cite_key(turn, f"s{i}"): c for i, c in enumerate(answer.see_also, start=1)})
    return keys


def pick_choices(answer: Answer, turn: int) -> list[tuple[str, str]]:
    t = labels(answer.language)
    return ([(f"[{c.marker}] {t['page']} {c.page}", cite_key(turn, c.marker)) for c in answer.citations]
            + [(f"↗ {i} {t['page']} {c.page}", cite_key(turn, f"s{i}")) for i, c in enumerate(answer.see_also, 1)])


def pick_html(choices: list[tuple[str, str]], lang: str) -> str:
    """The side panel's list of the answer's pages: the same "show page" links as the cards. An HTML
    value, not a Radio whose choices change: Gradio rebuilds a component for every such update."""
    if not choices:
        return ""
    links = "".join(f'<li><a class="open-page" href="#{PAGE_LINK}{esc(key)}" role="button">{esc(label)}</a></li>'
                    for label, key in choices)
    return f'<div class="pick-list"><div class="pick-title">{esc(labels(lang)["pick"])}</div><ul>{links}</ul></div>'


def plain_text(answer: Answer) -> str:
    """The answer with its sources, to paste; a passage to check or a refusal says so in its first line."""
    t = labels(answer.language)
    lines = [t["refusal"]] if answer.refused and answer.language in LABELS else []
    if answer.outcome == Outcome.CHECK:  # the copy says it is a passage to check, wherever it is pasted
        lines += [t["check"]] + ([answer.missing] if answer.missing else [])
    lines.append(answer.answer.strip())
    lines += [other_value_line(v, answer.language) for v in answer.other_values]  # under it, never instead
    for title, citations, numbered in ((t["sources"], answer.citations, True), (t["see_also"], answer.see_also, False)):
        if not citations:
            continue
        lines += ["", f"{title}:"]
        for i, c in enumerate(citations, start=1):
            head = f"[{c.marker}]" if numbered else f"{i}."
            where = [c.title or c.doc, f"{t['page']} {c.page}" if c.page else "", c.section]
            lines.append(f"{head} " + ", ".join(part for part in where if part))  # no empty parts, no trailing comma
            lines.append(f"    „{c.quote}”")
            if c.damaged:
                lines.append("    ⚠ " + message("damaged_quote", answer.language, piece=c.damaged))
            for s in c.sources:
                href = safe_href(s.url, s.doi)
                ref = s.reference + (f" {href}" if href and href not in s.reference else "")
                lines.append(f"    {t['footnote']} {s.footnote}: {ref}")
                if s.check is not None:
                    lines.append(f"      {check_line(s.check, answer.language)}")
    return "\n".join(lines)


# ---- the cited page -------------------------------------------------------------------------

def draft_markdown(markdown: str) -> str:
    """Draft Markdown made inert for gr.Markdown: HTML from the corpus (or the topic) is escaped, so it is
    shown as text; `](` is escaped, so no [text](javascript:...) link or image is formed. [n] markers stay."""
    return html.escape(markdown, quote=False).replace("](", "]\\(")


def draft_error_markdown(message: str) -> str:
    return f"⚠️ **{DRAFT_LABELS['error']}**: {draft_markdown(message)}"


def draft_folder(root: str | Path | None = None) -> Path:
    """A new folder for one request's draft files under the system temp folder; folders of requests
    older than DRAFT_KEEP_S are removed first (the served copies live in Gradio's own cache)."""
    root = Path(root or tempfile.gettempdir())
    for old in root.glob(DRAFT_PREFIX + "*"):
        try:
            if time.time() - old.stat().st_mtime > DRAFT_KEEP_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # removed by a concurrent request
            pass
    return Path(tempfile.mkdtemp(prefix=DRAFT_PREFIX, dir=root))

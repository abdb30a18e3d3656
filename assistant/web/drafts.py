"""The web chat's grant-draft tab without Gradio: draft a topic, offer its figures as check boxes, export the chosen.

A coordinator types a topic (or an instruction) and gets the draft with its .md/.docx downloads and the
list of candidate quotes (`Draft.candidates`): the relevant ones ticked, a quote whose text looks damaged
by PDF extraction flagged and never ticked by default. Unticking or ticking quotes and pressing export
rebuilds the draft from exactly those (`draft_justification(..., chosen=ids)`), so the downloaded files
contain the chosen figures and no others. The tab keeps a `DraftChoice` (topic, language, candidates)
between clicks, so editing the topic box afterwards does not change what an export is built from.

Everything shown is made safe here: the draft's Markdown through `render.draft_markdown`, the summary
HTML through `render.esc`; check-box labels are plain text (Gradio shows them as text, never as HTML).
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass, field

from assistant.web import render
from assistant.web.handlers import AssistantUnavailable, Backend

LABELS = {
    "figures": "Cytaty z liczbami do szkicu (zaznaczone trafią do pobieranych plików)",
    "export": "Zapisz szkic z zaznaczonymi cytatami",
    "none_chosen": "zaznacz co najmniej jeden cytat z danymi (sekcja „Diagnoza”), zanim zapiszesz szkic",
    "no_draft": "najpierw przygotuj szkic: lista cytatów pochodzi z ostatniego szkicu",
    "damaged": "tekst uszkodzony w PDF",
    "to_check": "do sprawdzenia",
    "page": "s.",
    "summary": "Zaznaczono {ticked} z {total} cytatów.",
    "summary_damaged": "Cytaty oznaczone ⚠ mają w raporcie tekst uszkodzony przy ekstrakcji z PDF: sprawdź je "
                       "przed użyciem.",
    "exported": "Zapisano szkic z {count} zaznaczonymi cytatami.",
}
LABELS_EN = {  # the same notices for an English draft (its topic is English, or English was chosen)
    "figures": "Quotes with figures for the draft (the ticked ones go into the downloads)",
    "export": "Save the draft with the ticked quotes",
    "none_chosen": "tick at least one quote with data (the \u201cNeeds analysis\u201d section) before saving the draft",
    "no_draft": "prepare a draft first: the list of quotes comes from the last draft",
    "damaged": "text damaged in the PDF",
    "to_check": "to check",
    "page": "p.",
    "summary": "{ticked} of {total} quotes ticked.",
    "summary_damaged": "Quotes marked ⚠ have text damaged by the PDF extraction in the report: check them before use.",
    "exported": "Saved the draft with {count} ticked quotes.",
}


def notices(language: str | None) -> dict[str, str]:
    """The tab's notices in the draft's language (Polish unless it is English)."""
    return LABELS_EN if language == "en" else LABELS


MAX_LABEL = 400  # characters of a quote shown next to its check box
LANGUAGE_CHOICES = [("wg tematu", ""), ("polski", "pl"), ("English", "en")]  # "": detected as the CLI detects it


@dataclass
class DraftChoice:
    """What an export is built from: the topic and language of the last draft, its candidate quotes and the ones
    ticked by default (none for a refused draft or bad input)."""

    topic: str = ""
    language: str = "pl"
    candidates: list = field(default_factory=list)  # assistant.drafts.model.FigureCandidate
    ticked: list[str] = field(default_factory=list)

    @property
    def ids(self) -> set[str]:
        return {c.id for c in self.candidates}


@dataclass
class FigureList:
    """The check boxes of a draft: (plain-text label, id) in order of relevance, the ticked ids, a safe summary."""

    choices: list[tuple[str, str]]
    ticked: list[str]
    summary_html: str


@dataclass
class Exported:
    """An export's outcome. `markdown`/`files` None: leave the shown draft and downloads as they are."""

    markdown: str | None
    files: list[str] | None
    status_html: str


def draft(backend: Backend, topic: str, lang: str | None) -> tuple[str, list[str] | None, DraftChoice]:
    """(safe Markdown, [.md, .docx] paths or None, the choice to offer): a draft with its relevant quotes.
    `lang` "" or None: the language the topic is written in or asks for, as `klastry draft` without --lang."""
    result, error = _compose(backend, topic or "", lang or None, None)
    if error is not None:
        return render.draft_error_markdown(error), None, DraftChoice(language=lang or "pl")
    markdown, files = _written(result)
    if result.refused and not any(c.check for c in result.candidates):
        # nothing to choose: a refusal is never padded with quotes that do not fit (passages "to check" are offered)
        return markdown, files, DraftChoice(language=result.language)
    ticked = [c.id for c in result.candidates if c.id in result.chosen]
    return markdown, files, DraftChoice(topic or "", result.language, list(result.candidates), ticked)


def figure_list(choice: DraftChoice | None) -> FigureList:
    """The check boxes for the last draft's candidates (empty when there is none)."""
    choice = choice or DraftChoice()
    if not choice.candidates:
        return FigureList([], [], "")
    return FigureList(choice_labels(choice), list(choice.ticked), summary_html(choice, choice.ticked))


def export(backend: Backend, choice: DraftChoice | None, chosen: list[str] | None) -> Exported:
    """The last draft rebuilt from the ticked quotes only, with new .md/.docx files; a one-line notice when
    nothing usable is ticked (the draft and downloads shown stay as they are)."""
    if choice is None or not choice.candidates:
        return Exported(None, None, _notice(notices(choice.language if choice else None)["no_draft"]))
    ids = [i for i in dict.fromkeys(chosen or []) if i in choice.ids]  # ids from another draft are ignored
    needs = {c.id for c in choice.candidates if c.part == "need"}
    if not needs & set(ids):
        return Exported(None, None, _notice(notices(choice.language)["none_chosen"]))
    result, error = _compose(backend, choice.topic, choice.language, ids)
    if error is not None or result.refused:
        return Exported(None, None, _notice(error or result.message))
    markdown, files = _written(result)
    exported = notices(choice.language)["exported"].format(count=len(result.chosen))
    status = f"<p class='draft-summary'>{render.esc(exported)}</p>"
    return Exported(markdown, files, status + summary_html(choice, result.chosen))


def choice_labels(choice: DraftChoice) -> list[tuple[str, str]]:
    """(plain-text label, candidate id) per candidate, in the draft's order of relevance."""
    from assistant.drafts.tables import heading

    labels, words = [], notices(choice.language)
    for candidate in choice.candidates:
        quote = _plain(candidate.quote)
        quote = quote if len(quote) <= MAX_LABEL else quote[:MAX_LABEL - 1].rstrip() + "…"
        where = f"{words['page']} {candidate.page}"
        topic = _facet_heading(candidate.facet, heading)
        flag = f"⚠ {words['damaged']} („{_plain(candidate.damage)}”) · " if candidate.damage else ""
        flag += f"? {words['to_check']} · " if getattr(candidate, "check", False) else ""
        labels.append((f"{flag}{where} · {topic}: „{quote}”", candidate.id))
    return labels


def summary_html(choice: DraftChoice, ticked: list[str]) -> str:
    """How many quotes are ticked, and a warning when any offered quote is damaged (all text escaped)."""
    words = notices(choice.language)
    parts = [words["summary"].format(ticked=len(set(ticked) & choice.ids), total=len(choice.candidates))]
    if any(c.damage for c in choice.candidates):
        parts.append(words["summary_damaged"])
    return "".join(f"<p class='draft-summary'>{render.esc(p)}</p>" for p in parts)


def _facet_heading(facet: str, heading) -> str:
    from assistant.drafts.tables import WORDS

    words = WORDS["pl"]
    return {"recommendations": words.recommendations, "partner": words.partner}.get(facet) or heading(facet, "pl")


def _plain(text: str) -> str:
    """One line of printable text (no control characters, whitespace collapsed)."""
    return " ".join("".join(ch for ch in str(text) if unicodedata.category(ch) != "Cc" or ch in " \t\n").split())


def _notice(message: str) -> str:
    return f"<p class='draft-notice'>⚠️ {render.esc(message)}</p>"


def _compose(backend: Backend, topic: str, lang: str | None, chosen: list[str] | None):
    """(draft, None) or (None, one line saying why not)."""
    try:
        assistant = backend.wait()
    except AssistantUnavailable as error:
        return None, str(error)
    from assistant.drafts.compose import DraftInputError, draft_justification

    try:
        with backend.lock:  # the same lock as the chat's LLM path: one assistant call at a time
            return draft_justification(assistant, topic, lang, chosen=chosen), None  # LLM when configured
    except DraftInputError as error:  # empty, too long, control characters: its one-line reason
        return None, str(error)
    except Exception as error:  # noqa: BLE001 - anything else: the app lives on, the user gets one line
        print(f"error: draft failed: {error!r}", file=sys.stderr, flush=True)
        return None, type(error).__name__


def _written(result) -> tuple[str, list[str] | None]:
    """The draft's safe Markdown and its .md/.docx files (None when refused, or when they cannot be written)."""
    from assistant.drafts.export import to_markdown, write_draft_files

    markdown = render.draft_markdown(to_markdown(result))
    if result.refused:
        return markdown, None
    try:
        return markdown, [str(p) for p in write_draft_files(result, render.draft_folder())]
    except OSError as error:  # the draft is still shown
        print(f"error: draft files not written: {error!r}", file=sys.stderr, flush=True)
        return markdown, None

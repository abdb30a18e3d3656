"""The web chat's "Dodaj dokument / Add a document" panel without Gradio: one upload at a time, in the background.

A logged-in user (or, without a login, whoever uses a chat bound to a loopback address: the machine's owner)
uploads a PDF, `.txt` or `.md` and may name the bibliography entry it is the full text of. `Uploads.start`
checks it at once (type by content, size, duplicates: one line each) and takes the chat's one upload slot
(a second upload meanwhile is refused with one line, not queued: the first may fail, and the second user
should know); a thread then reads it, stores it under corpus/sources/ and runs the same ingest as `python -m
ingest` (`ingest.adding`, which ui.py passes in: this package never imports ingest). The panel polls `view`
for the CLI's stages and counts. When the new generation is published, every asker of the pool loads it
(`AskPool.refresh`); questions asked meanwhile are answered from the old one. A failure leaves the old index
answering and the file out of the corpus (`ingest.adding.undo`).
"""

from __future__ import annotations

import html
import ipaddress
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from assistant.sources import is_report
from assistant.types import UploadState
from assistant.web import handlers
from assistant.web.handlers import AssistantUnavailable, Backend

LABELS = {
    "pl": {"panel": "Dodaj dokument", "intro": "Plik PDF, .txt lub .md (do {limit} MB), np. pełny tekst źródła "
                                               "cytowanego w raporcie. Po zaindeksowaniu można o niego pytać.",
           "file": "Plik do dodania", "link": "Pozycja bibliografii (przypis), której to pełny tekst",
           "none": "brak (dodatkowy dokument)", "button": "Dodaj do indeksu", "no_file": "Najpierw wybierz plik.",
           "login": "Dodawać dokumenty mogą tylko zalogowani użytkownicy."},
    "en": {"panel": "Add a document", "intro": "A PDF, .txt or .md file (up to {limit} MB), e.g. the full text of a "
                                               "work the report cites. Once indexed it can be asked about.",
           "file": "File to add", "link": "Bibliography entry (footnote) this is the full text of",
           "none": "none (extra document)", "button": "Add to the index", "no_file": "Choose a file first.",
           "login": "Only logged-in users can add documents."},
}
STAGES = {"pl": {"checking": "sprawdzanie pliku", "parse": "analiza", "embed": "osadzanie",
                 "writing the index": "zapisywanie indeksu", "loading": "wczytywanie nowego indeksu"},
          "en": {"checking": "checking the file", "parse": "parsing", "embed": "embedding",
                 "writing the index": "writing the index", "loading": "loading the new index"}}
# the reasons of ingest.adding.UploadError in Polish, by kind (English: the error's own line)
REASONS_PL = {
    "type": "{file}: typ {suffix} nie jest obsługiwany; dodaj plik PDF, .txt lub .md",
    "size": "{file}: {mb} MB to więcej niż limit {limit} MB (ustawienie KLASTRY_UPLOAD_MAX_MB)",
    "empty": "{file}: plik jest pusty, nie ma w nim tekstu",
    "not_pdf": "{file}: to nie jest PDF (treść pliku nie jest dokumentem PDF); dodaj plik PDF, .txt lub .md",
    "pdf_named": "{file}: to PDF z rozszerzeniem {suffix}; zmień je na .pdf",
    "not_text": "{file}: to nie jest plik tekstowy ({reason})",
    "report_name": "{file}: to nazwa pliku samego raportu; zmień nazwę pliku, aby dodać go jako źródło",
    "same_content": "{file}: ten dokument jest już w indeksie jako {rel} (ta sama treść)",
    "same_name": "{file}: dokument {rel} jest już w korpusie; zmień nazwę pliku albo usuń najpierw stary",
    "unreadable": "{file}: nie da się odczytać pliku: {reason}",
    "busy": "Trwa dodawanie innego dokumentu ({file}{by}); spróbuj ponownie, gdy się zakończy.",
    "store_busy": "{file}: inny proces właśnie zapisuje indeks (np. `python -m ingest`); spróbuj ponownie, gdy "
                  "skończy. Indeks pozostał bez zmian.",
    "failed": "{file}: dodawanie nie powiodło się ({reason}); indeks pozostał bez zmian",
    "done_extra": "Dodano {rel} (fragmenty tekstu: {chunks}) jako dodatkowy dokument. Można o niego pytać; jest "
                  "na liście „Dokumenty”.",
    "done_linked": "Dodano {rel} (fragmenty tekstu: {chunks}) jako pełny tekst źródła z przypisów {footnotes}. "
                   "Można o niego pytać; jest na liście „Dokumenty”.",
    "recovered": "{rel} nie został zaindeksowany (dodawanie przerwano); usunięto go z korpusu: dodaj go ponownie.",
}
REASONS_EN = {
    "busy": "Another document is being added ({file}{by}); try again when it is done.",
    "done_extra": "Added {rel}: {chunks} chunks, as an extra document. It can be asked about; it is in the "
                  "\u201cDocuments\u201d list.",
    "done_linked": "Added {rel}: {chunks} chunks, as the full text of the source of footnotes {footnotes}. It can "
                   "be asked about; it is in the \u201cDocuments\u201d list.",
}


def labels(lang: str) -> dict[str, str]:
    return LABELS["en" if lang == "en" else "pl"]


def allowed(host: str, users: list) -> bool:
    """Whether the panel is offered: with a login, to its users; without one, only on a loopback address
    (then whoever uses the chat is at the machine, as its owner: they could copy the file into corpus/)."""
    if users:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Uploads:
    """The chat's one upload slot and its state; `adding` is the module `ingest.adding` (passed by ui.py)."""

    def __init__(self, backend: Backend, adding: ModuleType, login: bool = False) -> None:
        self.backend, self.adding, self.login = backend, adding, login
        self._lock = threading.Lock()
        self._state = UploadState()
        self._progress = None  # ingest.progress.RecordedProgress of the running ingest
        self._recovered = False

    def limit_mb(self) -> float:
        """The size limit (setting `upload_max_mb`), also before the backend has loaded its settings."""
        if self.backend.settings is not None:
            return self.backend.settings.upload_max_mb
        from assistant.settings import Settings

        try:
            return Settings.load(**{k: v for k, v in self.backend.overrides.items() if v is not None}).upload_max_mb
        except Exception:  # noqa: BLE001 - a bad setting is reported by the backend, on the page
            return 50.0

    def recover(self) -> None:
        """Once the settings are known: take out an upload a killed process left half-way (`adding.recover`)."""
        if self._recovered or self.backend.settings is None:
            return
        self._recovered = True
        line = self.adding.recover(self.backend.settings)
        if line:
            print(f"warning: {line}", file=sys.stderr, flush=True)
            rel = line.split(" ", 1)[0]
            with self._lock:
                if not self._state.busy:
                    self._state = UploadState("failed", rel, message=line, kind="recovered", details={"rel": rel})

    def start(self, path: str | None, name: str | None, source_id: str | None, user: str | None) -> UploadState:
        """Check the upload and start adding it; the state to show this user (a refusal is `failed` for them
        alone: the chat's own state, which everyone's panel follows, changes only when an upload starts)."""
        shown = Path(str(name or path or "")).name
        if self.login and not user:
            return UploadState("failed", shown, message=labels("en")["login"], kind="login")
        if not path:
            return UploadState("failed", message=labels("en")["no_file"], kind="no_file")
        try:
            self.backend.wait()  # the assistant (and the store) are ready
            settings = self.backend.settings
        except AssistantUnavailable as error:
            return UploadState("failed", shown, message=str(error), kind="failed",
                               details={"file": shown, "reason": str(error)})
        self.recover()
        with self._lock:
            if self._state.busy:
                current = self._state
                return UploadState("failed", shown, message=f"another document is being added ({current.file}); "
                                   "try again when it is done", kind="busy",
                                   details={"file": current.file, "by": f", {current.user}" if current.user else ""})
            self._state = UploadState("checking", shown, user or "", stage="checking")
        try:
            upload = self.adding.check_upload(Path(path), shown, settings.corpus_dir,
                                              int(settings.upload_max_mb * 2**20),
                                              self.adding.published_files(settings))
        except Exception as error:  # noqa: BLE001 - an UploadError (one line), or anything: the slot is freed
            with self._lock:
                self._state = UploadState()
            return failure(shown, error)
        threading.Thread(target=self._run, args=(settings, upload, source_id or None), daemon=True,
                         name="upload").start()
        return self.view()

    def _run(self, settings, upload, source_id: str | None) -> None:
        """Read, store, ingest, swap the askers to the new index; the outcome goes into the state."""
        retired = []
        try:
            self.adding.check_readable(upload)
            progress = self.adding.RecordedProgress(len(self.adding.corpus_files(settings.corpus_dir)) + 1)
            with self._lock:
                self._progress = progress
                self._state = replace(self._state, phase="indexing", file=upload.rel)
            retired = self._retire_workers()
            added = self.adding.add(settings, upload, source_id, progress)
            with self._lock:
                self._state = replace(self._state, stage="loading")
            if self.backend.pool is not None:
                self.backend.pool.refresh()
            self._restart_workers(retired)
            kind = "done_linked" if added.source else "done_extra"
            notes = ", ".join(map(str, added.footnotes))
            line = (f"added {added.rel}: {added.chunks} chunks, "
                    + (f"the full text of the source of footnotes {notes}" if added.source else "an extra document"))
            done = UploadState("done", added.rel, self._state.user, message=line, kind=kind,
                               details={"rel": added.rel, "chunks": str(added.chunks), "footnotes": notes})
            print(f"upload: {self._state.user or 'a local user'} {line}", file=sys.stderr, flush=True)  # for the log
        except Exception as error:  # noqa: BLE001 - the old index answers on; the file was taken out (ingest.adding)
            print(f"error: upload of {upload.name} failed: {error}", file=sys.stderr, flush=True)
            done = replace(failure(upload.name, error), user=self._state.user)
            self._restart_workers(retired)
        with self._lock:
            self._state, self._progress = done, None

    def _retire_workers(self) -> list:
        """The worker processes leave the pool before the store is written (`AskPool.retire_workers`: embedded
        Chroma is not safe across processes); this process answers meanwhile. Closed in the background."""
        pool = self.backend.pool
        retired = pool.retire_workers() if pool is not None else []
        if retired:
            threading.Thread(target=lambda: [worker.close() for worker in retired], daemon=True).start()
        return retired

    def _restart_workers(self, retired: list) -> None:
        """As many fresh workers as were retired, on the new index; without them this process answers alone."""
        if not retired or self.backend.pool is None:
            return
        from assistant.web.workers import start_workers

        try:
            workers = start_workers(len(retired), self.backend.overrides, retired[0].slots)
        except Exception as error:  # noqa: BLE001 - the chat goes on with its own askers
            print(f"warning: the workers did not start again ({error}); the chat answers in its own process",
                  file=sys.stderr, flush=True)
            return
        self.backend.pool.add_workers(workers)

    def view(self) -> UploadState:
        """The chat's upload state now, with the running ingest's stage and counts."""
        with self._lock:
            state, progress = self._state, self._progress
        if progress is None or state.phase != "indexing" or state.stage == "loading":
            return state
        stage, done, total, left = progress.snapshot()
        return replace(state, stage=stage, done=done, total=total, seconds_left=left)


def failure(shown: str, error: BaseException) -> UploadState:
    """A refusal or failure as a state: an UploadError keeps its kind, anything else is one line with its type."""
    kind = getattr(error, "kind", None)
    if kind is not None:
        return UploadState("failed", shown, message=str(error), kind=kind, details=dict(error.details))
    reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
    return UploadState("failed", shown, message=f"{shown} could not be added ({reason}); the index was left as it was",
                       kind="failed", details={"file": shown, "reason": reason})


def status_line(state: UploadState, lang: str) -> str:
    """The one line the panel shows for `state`, in the interface language (plain text)."""
    en = lang == "en"
    if state.phase == "idle":
        return ""
    if state.busy:
        stages = STAGES["en" if en else "pl"]
        stage = stages.get(state.stage, state.stage)
        count = ""
        if state.total:
            unit = ("files" if en else "plików") if state.stage == "parse" else ("texts" if en else "tekstów")
            count = f": {state.done}/{state.total} {unit} ({100 * state.done // state.total}%)"
            if state.seconds_left is not None:
                count += f", {'about' if en else 'ok.'} {state.seconds_left:.0f} s"
        who = f" ({state.user})" if state.user else ""
        return f"{'Adding' if en else 'Dodawanie'} {state.file}{who}: {stage}{count}"
    template = (REASONS_EN if en else REASONS_PL).get(state.kind)
    if state.kind in ("login", "no_file"):
        return labels(lang)[state.kind]
    if template is None:
        return state.message
    try:
        return template.format(**{"file": state.file, **state.details})
    except (KeyError, IndexError):
        return state.message


def status_html(state: UploadState, lang: str) -> str:
    """The status line as HTML (escaped), styled by phase."""
    line = status_line(state, lang)
    if not line:
        return ""
    role = "" if state.busy else ' role="status"'  # the outcome is read out; each progress tick is not
    return f'<p class="upload-status upload-{state.phase}"{role}>{html.escape(line)}</p>'


def document_choices(backend: Backend) -> list[tuple[str, str]]:
    """The chat's document selector as the assistant has it now (after an upload: with the new document);
    before it is loaded, as the published store has it (`handlers.document_choices`)."""
    assistant = backend.assistant
    if assistant is None:
        return handlers.document_choices(backend.overrides)
    docs = sorted(assistant.snapshot.manifest.files)
    return list(handlers.DOC_CHOICES) + [(doc, doc) for doc in docs if not is_report(doc)]


def link_choices(backend: Backend, lang: str = "pl") -> list[tuple[str, str]]:
    """The dropdown of bibliography entries: "none (extra document)" first, then each cited work by footnotes."""
    none = [(labels(lang)["none"], "")]
    settings = backend.settings
    if settings is None:
        return none
    try:
        from assistant.sources import load_sources

        listing = load_sources(settings)
    except Exception:  # noqa: BLE001 - no store yet: only "none"
        return none
    word = "footnote" if lang == "en" else "przypis"
    choices = []
    for source in listing["sources"]:
        if source["kind"] != "reference" or not source["footnotes"]:
            continue
        notes = ", ".join(map(str, source["footnotes"]))
        reference = source["reference"] if len(source["reference"]) <= 110 else source["reference"][:107] + "..."
        choices.append((f"{word} {notes}: {reference}", source["id"]))
    return none + choices

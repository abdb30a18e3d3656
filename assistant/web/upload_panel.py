"""The "Dodaj dokument / Add a document" panel's Gradio parts and events (the logic: assistant.web.upload).

ui.py places and wires it (it is at its size limit) and hands it the `gradio` module: the library never
imports Gradio itself (tests/test_web_session.py), so a worker process importing assistant.web loads none
of it. A closed accordion under the chat: a file box, the
bibliography entry the file is the full text of ("none (extra document)" by default), the add button and one
status line; a timer polls the upload's progress while it runs and, when it is done, puts the new document
into the chat's document selector.
"""

from pathlib import Path
from types import ModuleType
from typing import Any

from assistant.web import upload as web_upload
from assistant.web.upload import Uploads, allowed

__all__ = ["UploadPanel", "Uploads", "allowed"]  # what ui.py needs, in one import

TITLE = f"{web_upload.LABELS['pl']['panel']} / {web_upload.LABELS['en']['panel']}"
POLL_S = 1.0


class UploadPanel:
    """Built in place (inside the chat column); `wire` connects it once the page's language box exists.
    Without `uploads` (the panel is not offered: see `allowed`) it builds and wires nothing."""

    def __init__(self, gr: ModuleType, uploads: Uploads | None) -> None:
        self.gr, self.uploads = gr, uploads
        if uploads is None:
            return
        gr, t = self.gr, web_upload.labels("pl")
        with gr.Accordion(TITLE, open=False, elem_id="add-doc") as self.box:
            self.intro = gr.Markdown(t["intro"].format(limit=f"{uploads.limit_mb():g}"), elem_id="add-doc-intro")
            self.file = gr.File(label=t["file"], file_count="single", type="filepath", elem_id="add-doc-file")
            self.link = gr.Dropdown(web_upload.link_choices(uploads.backend), value="", label=t["link"],
                                    interactive=True, elem_id="add-doc-link")
            self.button = gr.Button(t["button"], elem_id="add-doc-button", size="sm")
            self.status = gr.HTML(elem_id="add-doc-status")
            self.timer = gr.Timer(POLL_S, active=False)

    def wire(self, ui_lang: Any, doc_pick: Any) -> None:
        """`ui_lang`: the page's hidden language box (its change relabels the panel); `doc_pick`: the selector."""
        gr, uploads = self.gr, self.uploads
        if uploads is None:
            return

        def start(path: str | None, source_id: str | None, lang: str, request: gr.Request):
            user = getattr(request, "username", None) if request is not None else None
            state = uploads.start(path, Path(path).name if path else None, source_id, user)
            # the box is emptied for the next file (the status line names this one; Gradio keeps its copy)
            return web_upload.status_html(state, lang), gr.Timer(active=state.busy), None

        def poll(lang: str):
            state = uploads.view()
            picker = gr.update()
            if state.phase == "done":  # the new document joins the selector (shown once there is one)
                picker = documents()
            return web_upload.status_html(state, lang), gr.Timer(active=state.busy), picker

        def documents():
            """The selector as the assistant has it now: a page opened after an upload lists the new document."""
            choices = web_upload.document_choices(uploads.backend)
            return gr.update(choices=choices, visible=len(choices) > 2)

        def relabel(lang: str):
            t = web_upload.labels(lang)
            return (t["intro"].format(limit=f"{uploads.limit_mb():g}"), gr.update(label=t["file"]),
                    gr.update(label=t["link"], choices=web_upload.link_choices(uploads.backend, lang)), t["button"])

        def opened(lang: str):
            """The entries once the store exists (a first start builds it after the page is made), and the chat's
            upload as it is now: one under way (followed from here on), the last one's outcome, or a half-added
            file a killed chat left and `recover` took out."""
            uploads.recover()
            state = uploads.view()
            return (gr.update(choices=web_upload.link_choices(uploads.backend, lang)),
                    web_upload.status_html(state, lang), gr.Timer(active=state.busy))

        self.button.click(start, [self.file, self.link, ui_lang], [self.status, self.timer, self.file],
                          api_visibility="private", concurrency_limit=None)
        self.timer.tick(poll, [ui_lang], [self.status, self.timer, doc_pick], api_visibility="private",
                        concurrency_limit=None, show_progress="hidden")
        self.box.expand(opened, [ui_lang], [self.link, self.status, self.timer], api_visibility="private")
        gr.on(None, documents, None, [doc_pick], api_visibility="private", show_progress="hidden",
              concurrency_limit=None)  # (no triggers: when the page loads)
        ui_lang.change(relabel, ui_lang, [self.intro, self.file, self.link, self.button], api_visibility="private")

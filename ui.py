"""Web chat for officials: `python ui.py [--host 127.0.0.1] [--port 7860] [--auth-file FILE]`.

The Gradio layout and launch only: streamed answers with follow-ups, numbered source cards, the
cited page in a side panel, copy-as-text, thumbs up/down into settings.feedback_file; a second tab
drafts a grant justification shown as Markdown, with .md/.docx downloads. What each event does is
in assistant.web.handlers (over a typed assistant.web.session.ChatSession, no gradio); all HTML
comes from assistant.web.render, which escapes every piece of document text.

Operations: analytics off, 127.0.0.1:7860 by default, optional login (users file with
`user:password` lines, or KLASTRY_UI_USERS="user:pass,user2:pass2"), a queue with a concurrency
limit and a maximum size; never shared publicly. The page answers as soon as the server is up,
with a banner saying what the assistant is doing (building the store on a first start, loading);
the store is opened once right after that (and built first with the ingest pipeline if it is
missing), every lazy load is done, and only then is "assistant ready" printed and the banner
removed; questions sent meanwhile wait for it. Extractive answers are computed by a few threads
of this process and `--workers` extra processes (see assistant.web.workers); the defaults come
from benchmarks/load.py on the 2-core machine (README, "Benchmarks").
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no calls out at start
# Gradio's queue rebuilds a pandas table of its recent events after every event, for a monitoring page
# this app does not use (about 3 ms of the chat's CPU per question): every 1000 events is enough.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")

import gradio as gr
from starlette.middleware import Middleware

from assistant.errors import QuestionError
from assistant.settings import Settings
from assistant.web import drafts as web_drafts
from assistant.web import handlers, render
from assistant.web.assets import COPY_JS, CSS, JS, LANG_JS
from assistant.web.handlers import AssistantUnavailable, Backend
from assistant.web.serving import PageTitle, listen_for_ctrl_c, port_free, port_in_use
from assistant.web.session import ChatSession
from assistant.web.upload_panel import UploadPanel, Uploads, allowed

EXAMPLES = render.EXAMPLES


def accessible_theme():
    """Gradio's default theme with a blue accent that keeps WCAG AA contrast (white on #1d4ed8 is 6.7:1; the
    default orange is 2.8:1), on the login page too, which gets the theme but not the app's CSS."""
    blue = "#1d4ed8"
    return gr.themes.Default(primary_hue=gr.themes.colors.blue).set(
        button_primary_background_fill=blue, button_primary_background_fill_hover="#1e40af",
        button_primary_border_color=blue, button_primary_text_color="#ffffff",
        button_primary_text_color_hover="#ffffff", color_accent=blue, link_text_color=blue)


# What Gradio's status region announces when an event ends: its own dictionaries lack these keys, so a screen
# reader said "common.complete" after every answer (issue 28)
STATUS_WORDS = gr.I18n(pl={"common.complete": "Gotowe", "common.error": "Błąd"},
                       en={"common.complete": "Done", "common.error": "Error"})

# the login page's <title> (WCAG 2.4.2): Gradio sends the app's title only with the config, after the login
LOGIN_TITLE = Middleware(PageTitle, title=f"{render.LABELS['pl']['title']} / {render.LABELS['en']['title']}")

# Measured defaults (benchmarks/load.py, 2 cores): see main()'s help texts and README "Benchmarks"
WORKERS = 1
THREADS = 1
WORKER_THREADS = 3
CONCURRENCY = 8
MAX_QUEUE = 128
# Gradio keeps every session's State and component updates in memory, 10 000 sessions by default;
# each API call is a session of its own, so under load that grew the chat by ~100 MB. 200 sessions
# (about 0.2 MB each: Gradio's copy of the page config, the conversation) is four times the 50
# officials the chat is sized for; the oldest is dropped first (500 measured 608 MB at 50 sessions).
SESSIONS_KEPT = 200


def build_app(backend: Backend, concurrency: int = CONCURRENCY, streams: bool = True,
              uploads: Uploads | None = None) -> gr.Blocks:
    """The chat and draft tabs (and the "add a document" panel with `uploads`). `streams`: an LLM writes the
    answers, so the chat shows their text as it comes; without one (extractive answers, complete at once) the
    chat event is a plain function: no generator thread hops, no second copy of the whole chat on the wire."""
    t = render.labels("pl")
    with gr.Blocks(title=t["title"], analytics_enabled=False) as demo:
        session = gr.State(None)
        title = gr.Markdown(f"## {t['title']}\n{t['intro']}", elem_id="title")
        status = gr.HTML(render.status_html(*backend.status()), elem_id="status")
        ticker = gr.Timer(1.0, active=not backend.ready.is_set())
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab(render.DRAFT_LABELS["tab_chat"], id="chat-tab", elem_id="chat-tab") as chat_tab, gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(elem_id="chat", height=620, latex_delimiters=[], buttons=[],
                                         feedback_options=("Like", "Dislike"), show_label=False, sanitize_html=True)
                    with gr.Row():
                        msg = gr.Textbox(placeholder=t["placeholder"], show_label=False, scale=5, max_lines=6,
                                         elem_id="question", autofocus=True)
                        send = gr.Button(t["send"], variant="primary", scale=1, elem_id="send")
                    choices = handlers.document_choices(backend.overrides)
                    doc_pick = gr.Dropdown(choices, value="all", label="Dokumenty / Documents", elem_id="doc-pick",
                                           visible=len(choices) > 2, interactive=True)
                    examples = gr.Dataset(components=[msg], samples=[[q] for q in EXAMPLES], label=t["examples"],
                                          elem_id="examples")  # a click asks the question (see example_text)
                    with gr.Row():
                        copy_btn = gr.Button(t["copy"], elem_id="copy-answer", size="sm")
                        clear = gr.Button(t["new_chat"], elem_id="new-chat", size="sm")
                    with gr.Accordion(t["plain"], open=False, elem_id="plain-box") as plain_box:
                        plain = gr.Textbox(show_label=False, lines=8, max_lines=20, interactive=False,
                                           elem_id="plain-text", buttons=["copy"])
                    upload_panel = UploadPanel(gr, uploads)  # nothing without `uploads` (assistant/web/upload*.py)
                with gr.Column(scale=2, elem_id="side-panel"):
                    panel = gr.HTML(render.panel_html("pl"), elem_id="panel-title")
                    pick = gr.HTML(elem_id="pick")  # the answer's pages as "show page" links
                    page_img = gr.Image(label=t["page_image"], type="pil", interactive=False, elem_id="page-image",
                                        buttons=["download", "fullscreen"], height=640, visible=False)
                    page_txt = gr.HTML(elem_id="page-text")
                    open_key = gr.Textbox(visible="hidden", elem_id="open-key")
                    ui_lang = gr.Textbox("pl", visible="hidden", elem_id="ui-lang")  # its change relabels the page
            with gr.Tab(render.DRAFT_LABELS["tab"], id="draft-tab", elem_id="draft-tab") as draft_tab:
                d = render.DRAFT_LABELS
                draft_intro = gr.Markdown(d["intro"])
                with gr.Row():
                    topic = gr.Textbox(label=d["topic"], placeholder=d["placeholder"], max_lines=4, scale=4,
                                       elem_id="draft-topic")
                    draft_lang = gr.Radio(web_drafts.LANGUAGE_CHOICES, value="", label=d["language"],
                                          scale=1, elem_id="draft-lang")  # "": the topic's language, as the CLI
                draft_btn = gr.Button(d["button"], variant="primary", elem_id="draft-button")
                # -- the draft's candidate quotes as check boxes (assistant/web/drafts.py) --
                draft_state = gr.State(None)
                draft_figures = gr.CheckboxGroup(choices=[], label=web_drafts.LABELS["figures"], visible=False,
                                                 elem_id="draft-figures")
                draft_export = gr.Button(web_drafts.LABELS["export"], visible=False, elem_id="draft-export")
                draft_status = gr.HTML(elem_id="draft-status")
                # -- end of the candidate quotes --
                # shown once there are files: Gradio's empty file box is a div with an aria-label and no role
                draft_files = gr.File(label=d["files"], file_count="multiple", interactive=False, elem_id="draft-files",
                                      visible=False)
                draft_md = gr.Markdown(latex_delimiters=[], elem_id="draft-text", container=True, padding=True)

        def relabel(lang: str) -> dict:
            """Interface labels in the language of the last answered question, an event of its own that runs
            when `ui_lang` changes. Gradio rebuilds every output an event does not return (a skipped output is
            an empty update), so the chat event keeps to the outputs it always sets. A value (a button's label,
            a Markdown or HTML text) is sent as is; a gr.update also rebuilds the component (about 5 ms each),
            so only the labels that are properties (placeholder, label) go that way."""
            lang = lang if lang in render.LABELS else "pl"  # (a hidden textbox: a client could send anything)
            t, d = render.labels(lang), render.draft_labels(lang)
            return {title: f"## {t['title']}\n{t['intro']}",
                    msg: gr.update(placeholder=t["placeholder"]),
                    send: t["send"], copy_btn: t["copy"], clear: t["new_chat"], plain_box: gr.update(label=t["plain"]),
                    panel: render.panel_html(lang),
                    page_img: gr.update(label=t["page_image"]),
                    examples: gr.update(label=t["examples"], samples=[[q] for q in render.examples(lang)]),
                    chat_tab: gr.update(label=d["tab_chat"]), draft_tab: gr.update(label=d["tab"]),
                    draft_intro: d["intro"], topic: gr.update(label=d["topic"], placeholder=d["placeholder"]),
                    draft_lang: gr.update(label=d["language"]), draft_btn: d["button"],
                    draft_files: gr.update(label=d["files"]),
                    draft_figures: gr.update(label=d.get("figures", web_drafts.LABELS["figures"])),
                    draft_export: d.get("export", web_drafts.LABELS["export"])}

        def respond(message: str, chat: list, state: ChatSession | None):
            new_session = state is None  # later the same ChatSession is changed in place: not sent again
            state = state or ChatSession()
            message = message or ""
            chat = list(chat or []) + [{"role": "user", "content": render.user_html(message, state.language)},
                                       {"role": "assistant", "content": ""}]
            for reply in handlers.respond(backend, state, message, index=len(chat) - 1):
                chat[-1] = {"role": "assistant", "content": reply.html}
                update = {chatbot: copy.deepcopy(chat), msg: ""}
                if new_session:  # (every State output costs Gradio a config rebuild)
                    update[session] = state
                if reply.final:  # the cards replace the streamed text; labels follow the answer's language
                    update[pick] = render.pick_html(reply.choices, reply.language)
                    update[plain] = reply.plain
                    update[ui_lang] = reply.language  # relabels the page only when it changed
                yield update

        def open_page(key: str, state: ChatSession | None):
            view = handlers.open_page(backend, state or ChatSession(), key)
            if view is None:
                return gr.update(), gr.update(), gr.update()
            return gr.update(value=view.image, visible=view.image is not None), view.text_html, view.heading_html

        def feedback(state: ChatSession | None, data: gr.LikeData):
            state = state or ChatSession()
            index = data.index if isinstance(data.index, int) else data.index[0]
            if handlers.feedback(backend, state, index, data.liked) is not None:
                gr.Info(render.labels(state.language)["feedback_thanks"])

        def reset() -> dict:
            return {chatbot: [], msg: "", session: None, pick: "", plain: "", ui_lang: "pl",
                    page_img: gr.update(value=None, visible=False), page_txt: ""}

        def respond_whole(message: str, chat: list, state: ChatSession | None) -> dict:
            final: dict = {}
            for update in respond(message, chat, state):
                final.update(update)
            return final

        ask = respond if streams else respond_whole
        ask_outputs = [chatbot, msg, session, pick, plain, ui_lang]  # what every answer sets (see relabel)
        labelled = [title, msg, send, copy_btn, clear, plain_box, panel, page_img, examples, chat_tab, draft_tab,
                    draft_intro, topic, draft_lang, draft_btn, draft_files, draft_figures, draft_export]

        def example_text(sample) -> str:
            """A clicked example is put in the box and asked (the README's promise), in the shown language."""
            return str(sample[0] if isinstance(sample, (list, tuple)) and sample else sample or "")

        msg.submit(ask, [msg, chatbot, session], ask_outputs, api_name="chat", concurrency_limit=concurrency)
        send.click(ask, [msg, chatbot, session], ask_outputs, api_visibility="private", concurrency_limit=concurrency)
        doc_pick.change(handlers.choose_documents, [session, doc_pick], [session], api_visibility="private")
        upload_panel.wire(ui_lang, doc_pick)
        open_key.change(open_page, [open_key, session], [page_img, page_txt, panel], api_visibility="private")
        chatbot.like(feedback, [session], None, api_visibility="private")
        copy_btn.click(None, [plain], None, js=COPY_JS)
        ui_lang.change(relabel, ui_lang, labelled, api_visibility="private")
        ui_lang.change(None, ui_lang, None, js=LANG_JS)
        examples.click(example_text, examples, msg, api_visibility="private").then(
            ask, [msg, chatbot, session], ask_outputs, api_visibility="private", concurrency_limit=concurrency)
        clear.click(reset, None, ask_outputs + [page_img, page_txt], api_visibility="private")
        chatbot.clear(reset, None, ask_outputs + [page_img, page_txt], api_visibility="private")

        def show_status():
            """The banner while the assistant starts; the timer stops once it is ready (or failed)."""
            phase, detail, seconds = backend.status()
            return render.status_html(phase, detail, seconds), gr.Timer(active=phase not in ("ready", "failed"))

        ticker.tick(show_status, None, [status, ticker], api_visibility="private", concurrency_limit=None,
                    show_progress="hidden")
        demo.load(show_status, None, [status, ticker], api_visibility="private", concurrency_limit=None,
                  show_progress="hidden")

        def ask_json(question: str, history: list[str] | None = None) -> dict:
            """The assistant's answer object (DESIGN.md contract) for one question: for testers and scripts."""
            return ask_json_docs(question, history, None)

        def ask_json_docs(question: str, history: list[str] | None = None, docs: list[str] | None = None) -> dict:
            """As /answer, from `docs` only (names as `klastry sources` lists them; "raport": the report alone).
            An endpoint of its own: Gradio wants every input, so a third one on /answer would break its callers."""
            try:
                return handlers.answer_json(backend, question, history, docs)
            except (QuestionError, AssistantUnavailable) as error:
                raise gr.Error(str(error)) from error

        gr.api(ask_json, api_name="answer", concurrency_limit=concurrency)
        gr.api(ask_json_docs, api_name="answer_docs", concurrency_limit=concurrency)

        # -- the draft tab's events (assistant/web/drafts.py) --
        def draft(topic_text: str, lang: str):
            """A cited grant-justification draft for a project topic:
            (safe Markdown, [.md, .docx] or None when refused)."""
            return web_drafts.draft(backend, topic_text, lang)

        def show_files(files):
            """The download box only once there are files: Gradio's empty one has an aria-label and no role."""
            return gr.update(visible=bool(files))

        def show_figures(choice):
            figures = web_drafts.figure_list(choice)
            shown = bool(figures.choices)
            return (gr.update(choices=figures.choices, value=figures.ticked, visible=shown), gr.update(visible=shown),
                    figures.summary_html)

        def export_chosen(choice, chosen: list[str]):
            result = web_drafts.export(backend, choice, chosen)
            return (gr.update() if result.markdown is None else result.markdown,
                    gr.update() if result.files is None else result.files, result.status_html)

        drafted = [draft_md, draft_files, draft_state]
        figure_boxes = [draft_figures, draft_export, draft_status]
        for drafted_event in (
                draft_btn.click(draft, [topic, draft_lang], drafted, api_name="draft", concurrency_limit=concurrency),
                topic.submit(draft, [topic, draft_lang], drafted, api_visibility="private",
                             concurrency_limit=concurrency)):
            drafted_event.then(show_figures, [draft_state], figure_boxes, api_visibility="private").then(
                show_files, draft_files, draft_files, api_visibility="private")
        draft_export.click(export_chosen, [draft_state, draft_figures], [draft_md, draft_files, draft_status],
                           api_visibility="private", concurrency_limit=concurrency).then(
            show_files, draft_files, draft_files, api_visibility="private")
        # -- end of the draft tab's events --
    return demo


def load_users(auth_file: str | None, env_value: str | None) -> list[tuple[str, str]]:
    """`user:password` pairs from a file (one per line, # comments) and/or `KLASTRY_UI_USERS` (comma-separated)."""
    entries = []
    if auth_file:
        entries += Path(auth_file).read_text(encoding="utf-8").splitlines()
    if env_value:
        entries += env_value.split(",")
    users = []
    for entry in (e.strip() for e in entries):
        if not entry or entry.startswith("#"):
            continue
        name, sep, password = entry.partition(":")
        if not sep or not name or not password:
            raise ValueError(f"bad login entry {name or entry[:20]!r}: expected user:password")
        users.append((name.strip(), password))
    return users


def build_missing_store(settings, announce=None) -> bool:
    """`ingest.ensure_store`, imported when the backend loads, after the page is already up."""
    from ingest import ensure_store

    return ensure_store(settings, announce=announce)


def warm_up(url: str, login: tuple[str, str] | None) -> None:
    """A question through each of the server's own endpoints: Gradio's first event costs about a second extra."""
    try:
        from gradio_client import Client

        client = Client(url, auth=login, analytics_enabled=False, verbose=False)
        client.predict(EXAMPLES[0], [], api_name="/answer")
        client.predict(EXAMPLES[0], [], api_name="/chat")
        client.close()
    except Exception as error:  # noqa: BLE001 - only a warm-up: the app works without it
        print(f"warning: warm-up request failed: {error}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python ui.py", description="Web chat over the cluster report.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth-file", help="file of user:password lines; also KLASTRY_UI_USERS=user:pass,...")
    parser.add_argument("--corpus", help="corpus folder (default from settings)")
    parser.add_argument("--store", help="store folder (default from settings)")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help=f"extra processes answering questions, about 200 MB each (default {WORKERS}; "
                             "0: this process only); not used with an LLM configured")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help=f"questions answered at the same time in this process when the workers are busy "
                             f"(default {THREADS})")
    parser.add_argument("--worker-threads", type=int, default=WORKER_THREADS,
                        help=f"questions answered at the same time in each worker (default {WORKER_THREADS})")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY,
                        help=f"chat events handled at the same time (default {CONCURRENCY}); more wait in the queue")
    parser.add_argument("--max-queue", type=int, default=MAX_QUEUE,
                        help=f"events waiting at most (default {MAX_QUEUE}); beyond it a user is told it is full")
    args = parser.parse_args(argv)
    if min(args.workers, args.threads - 1, args.worker_threads - 1, args.concurrency - 1, args.max_queue - 1) < 0:
        print("error: --workers must be at least 0, --threads, --worker-threads, --concurrency and --max-queue "
              "at least 1",
              file=sys.stderr)
        return 2
    try:
        users = load_users(args.auth_file, os.environ.get("KLASTRY_UI_USERS"))
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not port_free(args.host, args.port):
        print(port_in_use(args.host, args.port), file=sys.stderr)
        return 2
    backend = Backend({"corpus_dir": args.corpus, "store_dir": args.store}, prepare=build_missing_store,
                      workers=args.workers, threads=args.threads, worker_threads=args.worker_threads)
    from ingest import adding  # the panel's ingest (README, "Adding a document from the browser")
    uploads = Uploads(backend, adding, login=bool(users)) if allowed(args.host, users) else None
    demo = None
    listen_for_ctrl_c()
    try:  # Ctrl-C at any point: the workers and the queue stop, exit 130, no traceback (README)
        try:
            settings = Settings.load(corpus_dir=args.corpus, store_dir=args.store)
            streams, upload_mb = settings.llm_backend != "none", settings.upload_max_mb
        except Exception:  # noqa: BLE001 - a bad setting is reported by the backend, on the page
            streams, upload_mb = True, 50.0
        demo = build_app(backend, args.concurrency, streams, uploads)
        demo.queue(max_size=args.max_queue, default_concurrency_limit=args.concurrency)
        try:
            _, local_url, _ = demo.launch(server_name=args.host, server_port=args.port, auth=users or None,
                                          share=False, prevent_thread_lock=True, show_error=False, css=CSS, js=JS,
                                          theme=accessible_theme(), app_kwargs={"middleware": [LOGIN_TITLE]},
                                          i18n=STATUS_WORDS,
                                          footer_links=["api"], state_session_capacity=SESSIONS_KEPT,
                                          max_file_size=int(2 * upload_mb * 2**20),  # the panel says why at 1x
                                          auth_message="Zaloguj się / Log in" if users else None)
        except OSError:  # taken between the check and the launch: Gradio's "Cannot find empty port"
            print(port_in_use(args.host, args.port), file=sys.stderr)
            return 2
        backend.load()
        if uploads is not None:
            uploads.recover()  # an upload a killed chat left half-way is taken out, and said so
        if backend.assistant is not None:
            warm_up(local_url, users[0] if users else None)
            print("assistant ready", flush=True)
        while True:  # not demo.block_thread(): it swallows Ctrl-C, and the exit code would be 0
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        return 130
    finally:
        backend.close()
        if demo is not None:
            demo.close()


if __name__ == "__main__":
    sys.exit(main())

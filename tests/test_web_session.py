"""The web chat's handlers (assistant.web.handlers) and session, without a browser or gradio.

They are driven with a real Assistant over the real store of tests/conftest.py (`assistant`,
`built_store`), and checked for what a visitor would notice: the final answer (streamed first only in LLM mode), its
cards and plain text, follow-ups, refusals, the cited page, feedback lines, bad input.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.types import Mode
from assistant.web import handlers, render
from assistant.web.handlers import AssistantUnavailable, Backend, ChatReply
from assistant.web.session import ChatSession

ROOT = Path(__file__).resolve().parents[1]
KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
REGIONS_FIRST, REGIONS_FOLLOW_UP = "Ile klastrów działa w Polsce?", "A w ilu województwach?"
GERMANY = "Ile klastrów jest w Niemczech?"
REJECTED = "Raport opisuje klastry w Polsce [1]. Jest ich dokładnie 999 [1]."  # 999 is in no passage


@pytest.fixture
def backend(assistant, built_store, tmp_path) -> Backend:
    """A ready backend over the shared Assistant, writing feedback into this test's folder."""
    corpus, store = built_store
    return Backend.of(assistant, Settings.load(corpus_dir=corpus, store_dir=store,
                                               feedback_file=tmp_path / "out" / "feedback.jsonl"))


def ask(backend: Backend, session: ChatSession, question: str, index: int) -> tuple[list[ChatReply], ChatReply]:
    """All replies to one question: (the streamed ones, the last one)."""
    replies = list(handlers.respond(backend, session, question, index))
    assert replies and all(not r.final for r in replies[:-1])
    return replies[:-1], replies[-1]


def has_figure(text: str, figure: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(figure)}(?![\d]|,\d)", text) is not None


def test_kkk_answer_arrives_whole_with_18_citing_page_5_and_footnote_5(backend):
    session = ChatSession()
    streamed, final = ask(backend, session, KKK, 1)
    assert streamed == []  # an extractive answer is complete at once: one reply, with its cards (no partial text)
    assert final.final and not final.replaced and final.answer.mode is Mode.EXTRACTIVE
    text = final.answer.answer
    assert has_figure(text, "18") and "185" not in text
    assert any(c.page == 5 and 5 in c.footnotes and any(s.footnote == 5 for s in c.sources)
               for c in final.answer.citations)
    assert final.html.count('class="source-card"') == len(final.answer.citations)
    assert "s. 5" in final.html and "Przypis 5" in final.html and 'href="#strona-0-1"' in final.html
    assert "185" not in final.html and "refusal-notice" not in final.html and "see-also" not in final.html
    label = render.labels("pl")["check"] + "\n" if final.answer.outcome == "check" else ""  # a passage to check
    assert final.plain.startswith(label + text.strip()) and "Przypis 5:" in final.plain
    assert final.choices[0] == (f"[1] s. {final.answer.citations[0].page}", "0-1")
    assert session.history == [KKK] and session.language == "pl"
    first = session.citations["0-1"]
    assert first == final.answer.citations[0] and first.chunk_id and first.sentences  # the card's own Citation
    assert not session.turns[1].answer.contexts  # the session keeps no passages


def test_follow_up_uses_the_conversation(backend, assistant):
    class Recording:  # the real assistant, noting the history each question is asked with
        def __init__(self) -> None:
            self.histories: list[list[str]] = []

        def ask(self, question, history=None, **options):
            self.histories.append(list(history or []))
            return assistant.ask(question, history=history, **options)

    recording = Recording()
    backend = Backend.of(recording, backend.settings)
    session = ChatSession()
    ask(backend, session, REGIONS_FIRST, 1)
    _, follow_up = ask(backend, session, REGIONS_FOLLOW_UP, 3)
    assert recording.histories == [[], [REGIONS_FIRST]]
    assert "14 województwach" in follow_up.answer.answer
    assert follow_up.answer.answer == assistant.ask(REGIONS_FOLLOW_UP, history=[REGIONS_FIRST]).answer
    assert session.history == [REGIONS_FIRST, REGIONS_FOLLOW_UP]
    assert 'href="#strona-1-1"' in follow_up.html and "1-1" in session.citations and "0-1" in session.citations


def test_refusal_shows_the_notice_and_see_also_apart(backend):
    session = ChatSession()
    _, final = ask(backend, session, GERMANY, 1)
    assert final.answer.refused and final.answer.answer == "Raport nie podaje tej informacji."
    markup = final.html
    assert markup.index("refusal-notice") < markup.index('class="answer"') < markup.index('class="see-also"')
    assert "Raport nie zawiera odpowiedzi" in markup and "to nie jest odpowiedź" in markup
    assert 'class="sources"' not in markup and 'href="#strona-0-s1"' in markup
    assert final.plain.startswith(render.labels("pl")["refusal"]) and "Zobacz też" in final.plain
    assert "0-s1" in session.citations and all(label.startswith("↗") for label, _ in final.choices)


def test_feedback_lines_go_to_the_settings_file(backend):
    session = ChatSession()
    _, final = ask(backend, session, KKK, 1)
    ask(backend, session, GERMANY, 3)
    path = backend.settings.feedback_file
    assert handlers.feedback(backend, session, 0, True) is None and not path.exists()  # the user's own message
    handlers.feedback(backend, session, 1, True)
    handlers.feedback(backend, session, 3, False)
    up, down = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert up["rating"] == "up" and up["question"] == KKK and up["language"] == "pl"
    assert up["refused"] is False and up["mode"] == "extractive" and up["answer"] == final.answer.answer
    assert up["outcome"] == final.answer.outcome in ("sure", "check") and up["confidence"] == final.answer.confidence
    assert up["citations"] == [{"marker": c.marker, "doc": c.doc, "page": c.page, "footnotes": c.footnotes}
                               for c in final.answer.citations]
    assert any(c["page"] == 5 and 5 in c["footnotes"] for c in up["citations"])
    assert up["history"] == [KKK, GERMANY] and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", up["time"])
    assert down["rating"] == "down" and down["refused"] is True and down["question"] == GERMANY
    assert down["outcome"] == "refused"
    assert down["citations"] == []


def test_open_page_shows_the_cited_pdf_page_with_the_quote(backend):
    session = ChatSession()
    _, final = ask(backend, session, KKK, 1)
    cited = next(c for c in final.answer.citations if c.page == 5)
    view = handlers.open_page(backend, session, f"0-{cited.marker}|1712345678")  # the page adds a nonce
    assert view is not None and view.image is not None and view.image.width > 500
    assert "<mark>" in view.text_html and view.heading_html.endswith("s. 5</h3>")
    assert handlers.open_page(backend, session, "7-1") is None and handlers.open_page(backend, session, "") is None


def test_bad_input_gets_a_reason_and_the_conversation_goes_on(backend):
    session = ChatSession()
    for question, reason in (("", None), ("klastry " * 14_000, "2000")):
        replies = list(handlers.respond(backend, session, question, 1))
        assert len(replies) == 1 and not replies[0].final and "input-error" in replies[0].html
        assert reason is None or reason in replies[0].html
    assert session.history == [] and session.turns == {}
    _, final = ask(backend, session, KKK, 5)
    assert has_figure(final.answer.answer, "18") and session.history == [KKK]


def test_rejected_llm_answer_is_replaced_by_the_final_answer(assistant, built_store, tmp_path):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from assistant import Assistant
    from assistant.llm.answerer import LLMAnswerer

    corpus, store = built_store
    settings = Settings.load(corpus_dir=corpus, store_dir=store, llm_backend="openai", llm_model="scripted",
                             feedback_file=tmp_path / "feedback.jsonl")
    llm_assistant = Assistant(settings, assistant.search, assistant.sentences)  # the same open store
    llm_assistant._llm = LLMAnswerer(settings, chat_model=GenericFakeChatModel(messages=iter([AIMessage(REJECTED)])))
    backend, session = Backend.of(llm_assistant), ChatSession()
    streamed, final = ask(backend, session, KKK, 1)
    assert any("Raport opisuje klastry" in r.html for r in streamed)  # the checked first sentence was streamed
    assert final.replaced and final.answer.mode is Mode.FALLBACK
    assert final.answer.grounding.failure == "ungrounded" and "999" in final.answer.grounding.get("reason", "")
    assert "Raport opisuje klastry" not in final.html and "999" not in final.html  # nothing of it stays on screen
    assert "Raport opisuje klastry" not in final.plain and has_figure(final.answer.answer, "18")
    assert handlers.feedback(backend, session, 1, True)["mode"] == "extractive-fallback"


def test_answer_json_and_unavailable_assistant(backend):
    data = handlers.answer_json(backend, KKK)
    assert data["mode"] == "extractive" and not data["refused"] and has_figure(data["answer"], "18")
    assert data["citations"][0]["chunk_id"] and data["contexts"] and data["grounding"] is None
    broken = Backend()
    broken.error = "no index in /nowhere"
    broken.ready.set()
    replies = list(handlers.respond(broken, ChatSession(), KKK, 1))
    assert len(replies) == 1 and "input-error" in replies[0].html and "no index in /nowhere" in replies[0].html
    with pytest.raises(AssistantUnavailable, match="no index"):
        handlers.answer_json(broken, KKK)
    markdown, files = handlers.draft(broken, "szkolenia", "pl")
    assert "no index in /nowhere" in markdown and files is None


def test_a_question_sent_while_loading_waits_for_the_assistant(assistant):
    loading = Backend()

    def opened() -> None:
        loading.assistant, loading.settings = assistant, assistant.settings
        loading.ready.set()

    threading.Timer(0.3, opened).start()
    replies = list(handlers.respond(loading, ChatSession(), KKK, 1))
    assert "Wczytuję indeks" in replies[0].html and replies[-1].final and has_figure(replies[-1].answer.answer, "18")


def test_backend_builds_a_missing_store_first(tmp_path, capsys):
    from ingest import ensure_store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "injection.md", corpus)  # one small document: ingest takes seconds
    seen = []

    def prepare(settings, announce):  # what a visitor sees while the store is being built
        banner = render.status_html(*backend.status())
        first = next(handlers.respond(backend, ChatSession(), KKK, 1)).html
        seen.append((backend.status()[0], banner, first))
        return ensure_store(settings, announce=announce)

    backend = Backend({"corpus_dir": corpus, "store_dir": tmp_path / "store"}, prepare=prepare, workers=0)
    backend.load()
    assert backend.error is None and backend.assistant is not None and backend.ready.is_set()
    assert "building it" in capsys.readouterr().out and (tmp_path / "store" / "manifest.json").exists()
    (phase, banner, first), = seen
    assert phase == "building" and "buduję indeks" in banner and "buduję indeks" in first
    assert backend.status()[0] == "ready" and render.status_html(*backend.status()) == ""  # the banner is gone
    data = handlers.answer_json(backend, "Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?")
    assert has_figure(data["answer"], "27")


def test_web_modules_import_no_gradio_and_the_library_no_ingest_or_ui():
    code = ("import sys, assistant.web.handlers, assistant.web.session, assistant.web.render; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gradio', 'ingest', 'ui')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    pattern = re.compile(r"^\s*(from|import)\s+(ingest|ui|gradio)\b", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "assistant").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_a_worker_process_answers_exactly_like_the_chat_process(built_store, assistant):
    from concurrent.futures import ThreadPoolExecutor

    from assistant.errors import QuestionError
    from assistant.web.workers import ProcessAsker

    def same(answer: dict) -> dict:
        return {key: value for key, value in answer.items() if key != "latency_ms"}

    corpus, store = built_store
    backend = Backend({"corpus_dir": corpus, "store_dir": store}, workers=1, threads=1)
    backend.load()
    try:
        worker = next(asker for asker in backend.pool.askers if isinstance(asker, ProcessAsker))
        assert same(worker.ask(KKK, []).to_dict()) == same(assistant.ask(KKK).to_dict())
        with pytest.raises(QuestionError):  # a bad question is the user's one-line error, not a crash
            worker.ask("\x00\x01", [])
        questions = [KKK, GERMANY, REGIONS_FIRST] * 2
        with ThreadPoolExecutor(6) as pool:  # both askers busy at once
            answers = list(pool.map(lambda q: handlers.answer_json(backend, q), questions))
        assert [same(a) for a in answers] == [same(assistant.ask(q).to_dict()) for q in questions]
    finally:
        backend.close()
    assert worker.proc.poll() is not None  # closing the chat ends its workers


def test_a_worker_answers_several_questions_at_once_and_a_dead_one_is_replaced(built_store, assistant, capfd):
    from concurrent.futures import ThreadPoolExecutor

    from assistant.web.workers import ProcessAsker

    def same(answer: dict) -> dict:
        return {key: value for key, value in answer.items() if key != "latency_ms"}

    corpus, store = built_store
    backend = Backend({"corpus_dir": corpus, "store_dir": store}, workers=1, threads=1, worker_threads=3)
    backend.load()
    try:
        worker = next(asker for asker in backend.pool.askers if isinstance(asker, ProcessAsker))
        questions = [KKK, GERMANY, REGIONS_FIRST]
        with ThreadPoolExecutor(3) as pool:  # three questions in the one worker at once, each reply to its asker
            answers = list(pool.map(lambda q: worker.ask(q, []).to_dict(), questions))
        assert [same(a) for a in answers] == [same(assistant.ask(q).to_dict()) for q in questions]
        with ThreadPoolExecutor(6) as pool:  # the worker dies with questions in flight: none is lost
            running = [pool.submit(handlers.answer_json, backend, q) for q in questions * 2]
            worker.proc.kill()
            answers = [future.result(timeout=120) for future in running]
        assert [same(a) for a in answers] == [same(assistant.ask(q).to_dict()) for q in questions * 2]
        assert worker not in backend.pool.askers and "a worker stopped answering" in capfd.readouterr().err
        assert same(handlers.answer_json(backend, KKK)) == same(assistant.ask(KKK).to_dict())  # the chat goes on
        deadline = time.monotonic() + 120  # and a new worker takes the dead one's place
        while not any(isinstance(a, ProcessAsker) for a in backend.pool.askers) and time.monotonic() < deadline:
            time.sleep(0.5)
        new = next(a for a in backend.pool.askers if isinstance(a, ProcessAsker))
        assert new.proc.pid != worker.proc.pid
        assert same(new.ask(KKK, []).to_dict()) == same(assistant.ask(KKK).to_dict())
    finally:
        backend.close()


def test_a_worker_that_cannot_be_replaced_leaves_the_chat_answering(built_store, assistant, tmp_path, capfd):
    from assistant.web.workers import ProcessAsker

    corpus, store = built_store
    backend = Backend({"corpus_dir": corpus, "store_dir": store}, workers=1, threads=1, worker_threads=2)
    backend.load()
    try:
        worker = next(asker for asker in backend.pool.askers if isinstance(asker, ProcessAsker))
        worker.overrides["store_dir"] = str(tmp_path / "no-store")  # its replacement will find no index
        worker.proc.kill()
        assert handlers.answer_json(backend, KKK)["answer"] == assistant.ask(KKK).answer
        deadline = time.monotonic() + 120
        while "the new worker did not start" not in (err := capfd.readouterr().err) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "the new worker did not start" in err
        assert not any(isinstance(a, ProcessAsker) for a in backend.pool.askers)
        assert handlers.answer_json(backend, GERMANY)["refused"]  # still answering, on the chat's own thread
    finally:
        backend.close()

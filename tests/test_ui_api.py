"""Web chat (ui.py): rendering helpers on a hand-built Answer, and the real app over its API.

The app runs as `python ui.py --port <free port>` in a subprocess over a real store built with
`run_ingest` from a copy of corpus/raport-klastry.pdf plus tests/fixtures/injection.md (a corpus
document full of <script> and onerror= payloads). The store is cached in pytest's cache folder,
keyed by a hash of the corpus files and the ingest code, so only the first run pays for
embedding. `ui_app` is session-scoped and also used by tests/test_ui_browser.py: one app serves
both files. The handlers themselves are tested without a server in tests/test_web_session.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# ui.py is a top-level script, not part of a package: importable from a plain checkout only once ROOT is on the path
import ui  # noqa: E402
from assistant.types import Answer, Citation, CitedSource  # noqa: E402
from assistant.web import render  # noqa: E402

REPORT = ROOT / "corpus" / "raport-klastry.pdf"
INJECTION = ROOT / "tests" / "fixtures" / "injection.md"
KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
AMBER = "Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?"
DRAFT_TOPIC = "szkolenia i staże w klastrze ICT"
DRAFT_FIGURES = ("1 642", "460", "60%", "40%", "11%", "13,5%", "13%", "87%", "38%", "46%")  # report pp. 6-14


# ---- the real app in a subprocess ------------------------------------------------------------

def wait_http_ok(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ui.py exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"ui.py did not answer at {url} within {timeout} s:\n{log.read_text(errors='replace')}")


def start_ui(corpus: Path, store: Path, work: Path, users: str | None = None,
             settings: dict[str, str] | None = None) -> SimpleNamespace:
    """`python ui.py` on a free port; `settings`: KLASTRY_* variables for it (and its workers)."""
    port = free_port()
    log = work / f"ui-{port}.log"
    feedback = work / f"feedback-{port}.jsonl"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
           "KLASTRY_FEEDBACK_FILE": str(feedback), **(settings or {})}
    env.pop("KLASTRY_UI_USERS", None)
    if users:
        env["KLASTRY_UI_USERS"] = users
    with open(log, "w") as handle:
        proc = subprocess.Popen([sys.executable, "ui.py", "--port", str(port), "--corpus", str(corpus),
                                 "--store", str(store)], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http_ok(url, proc, log)
    except Exception:
        proc.kill()
        raise
    return SimpleNamespace(url=url, proc=proc, log=log, feedback=feedback, corpus=corpus, store=store)


def stop_ui(app: SimpleNamespace) -> None:
    app.proc.terminate()
    try:
        app.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        app.proc.kill()


_RUNNING: dict[str, SimpleNamespace] = {}  # the one app of this test session, whichever file asks first


@pytest.fixture(scope="session")
def ui_app(injection_store, tmp_path_factory):
    """The app over a copy of the session's report + injection store (conftest: an incremental ingest of
    the one report store), started once per session (test_ui_browser.py imports this fixture too: a fixture
    imported into another module is a second definition, so the app itself is shared here)."""
    if "app" not in _RUNNING:
        base = tmp_path_factory.mktemp("ui-store")
        corpus, store = base / "corpus", base / "store"
        shutil.copytree(injection_store[0], corpus)
        shutil.copytree(injection_store[1], store)
        _RUNNING["app"] = start_ui(corpus, store, tmp_path_factory.mktemp("ui-run"))
    yield _RUNNING["app"]
    app = _RUNNING.pop("app", None)
    if app is not None:
        stop_ui(app)


@pytest.fixture(scope="session")
def client(ui_app):
    from gradio_client import Client

    return Client(ui_app.url, analytics_enabled=False, verbose=False)


def chat_outputs(client, question: str) -> list:
    """Every streamed output of the /chat endpoint for one question in a fresh session."""
    job = client.submit(question, [], api_name="/chat")
    outputs = list(job)
    final = job.result()
    return outputs + ([final] if not outputs or outputs[-1] != final else [])


def last_message(output) -> str:
    chat = output[0]
    content = chat[-1]["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def plain_of(output) -> str:
    return next((x for x in output if isinstance(x, str) and "\n" in x and x.strip()), "")


# ---- API tests against the running app -------------------------------------------------------

def test_kkk_question_returns_18_with_footnote_5_on_page_5(client):
    answer = client.predict(KKK, [], api_name="/answer")
    assert not answer["refused"]
    assert "18" in answer["answer"] and "185" not in answer["answer"]
    cited = [(c["page"], s["footnote"], s["url"]) for c in answer["citations"] for s in c["sources"]]
    assert any(page == 5 and footnote == 5 for page, footnote, _ in cited), cited


def test_chat_shows_the_answer_with_cards_and_plain_text_in_one_update(client):
    outputs = chat_outputs(client, KKK)
    streamed = [last_message(o) for o in outputs if 'class="answer streaming"' in last_message(o)]
    assert streamed == [], "an extractive answer is shown whole, with its cards, not as partial text first"
    final, plain = last_message(outputs[-1]), plain_of(outputs[-1])
    answer = client.predict(KKK, [], api_name="/answer")
    assert final.count('class="source-card"') == len(answer["citations"]) > 0
    for citation in answer["citations"]:
        assert f'href="#strona-0-{citation["marker"]}"' in final  # the card's "show page" link
        assert f"s. {citation['page']}" in final and f"[{citation['marker']}]" in plain
        for source in citation["sources"]:
            assert f"Przypis {source['footnote']}" in final and f"Przypis {source['footnote']}:" in plain
            if source["url"]:
                assert f'<a href="{source["url"]}" target="_blank"' in final
    label = render.labels("pl")["check"] + "\n" if answer["outcome"] == "check" else ""  # a passage to check
    assert "18" in plain and plain.startswith(label + answer["answer"])
    assert f'class="answer-block outcome-{answer["outcome"]}"' in final


def test_bad_input_gets_a_clear_reply_and_the_app_keeps_answering(client):
    replies = {}
    for name, question in {"empty": "", "paste": "klastry " * 14_000, "emoji": "😀🎉🤖",
                           "german": "Wie viele Cluster gibt es in Polen?"}.items():
        replies[name] = last_message(chat_outputs(client, question)[-1])
    assert "input-error" in replies["empty"] and len(replies["empty"]) > 80  # the assistant's one-line reason
    assert "input-error" in replies["paste"] and "2000" in replies["paste"]
    assert "answer-block" in replies["emoji"] or "input-error" in replies["emoji"]
    assert "Polish" in replies["german"] or "polsku" in replies["german"]
    assert "18" in last_message(chat_outputs(client, KKK)[-1])


def test_injection_document_is_escaped_in_chat_html(client):
    final = last_message(chat_outputs(client, AMBER)[-1])
    assert "injection.md" in final or "Bursztynowy" in final
    assert "&lt;script&gt;" in final and "&lt;img src=x onerror=" in final
    assert "<script" not in final.lower() and "<img" not in final.lower() and 'href="javascript' not in final.lower()


def test_missing_store_is_built_at_start_and_login_is_required(tmp_path):
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    shutil.copy(INJECTION, corpus)  # one small document: ingest takes seconds
    app = start_ui(corpus, store, tmp_path, users="anna:tajne:hasło")
    try:
        from gradio_client import Client

        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(app.url + "config", timeout=10)
        assert denied.value.code == 401
        client = Client(app.url, auth=("anna", "tajne:hasło"), analytics_enabled=False, verbose=False)
        answer = client.predict(AMBER, [], api_name="/answer")
        assert "27" in answer["answer"]
        assert "building it" in app.log.read_text()
        assert (store / "manifest.json").exists()
    finally:
        stop_ui(app)


def test_draft_endpoint_quotes_figures_and_offers_md_and_docx(client):
    import re
    import zipfile
    from xml.etree import ElementTree

    from docx import Document

    markdown, files = client.predict(DRAFT_TOPIC, "pl", api_name="/draft")
    assert markdown.lower().startswith(("# Uzasadnienie projektu: " + DRAFT_TOPIC).lower())  # the title capitalized
    assert "1 642" in markdown and len({f for f in DRAFT_FIGURES if f in markdown}) >= 3
    assert "[1]" in markdown and "## Przypisy" in markdown and "## Bibliografia" in markdown
    assert "<script" not in markdown.lower() and "<img" not in markdown.lower()  # corpus HTML is shown as text
    paths = sorted((Path(f if isinstance(f, str) else f["path"]) for f in files), key=lambda p: p.suffix)
    stem = "uzasadnienie-szkolenia-i-staze-w-klastrze-ict-"  # named after the subject and the date
    assert [p.suffix for p in paths] == [".docx", ".md"] and all(p.name.startswith(stem) for p in paths)
    body = "\n".join(paragraph.text for paragraph in Document(str(paths[0])).paragraphs)
    assert "Bibliografia" in body and "1 642" in body and not re.search(r"\[\d+\]", body)  # [n] became footnotes
    saved = paths[1].read_text(encoding="utf-8")
    assert "[1]" in saved
    # the .docx's Word footnotes, read from the package's XML: one per bibliography entry of the .md, in order
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(paths[0]) as package:
        notes = ElementTree.fromstring(package.read("word/footnotes.xml"))
        document = package.read("word/document.xml").decode()
    footnotes = ["".join(t.text or "" for t in note.iter(w + "t")).strip() for note in notes
                 if note.get(w + "type") is None]
    listed = re.findall(r"^\d+\. (.+)$", saved.split("## Bibliografia", 1)[1], re.MULTILINE)
    assert footnotes == listed and footnotes[0].startswith("Klastry przemysłowe w Polsce")
    assert "footnoteReference" in document
    english, _ = client.predict(DRAFT_TOPIC, "en", api_name="/draft")
    assert "## References" in english and "1 642" in english


def test_draft_endpoint_refuses_off_topic_and_explains_bad_input(client):
    refusal, files = client.predict("hodowla alpak w Peru", "pl", api_name="/draft")
    assert "Raport nie zawiera danych na ten temat." in refusal and not files and "[1]" not in refusal
    for topic, reason in {"": "the topic is empty", "   ": "the topic is empty", "x" * 501: "at most 500"}.items():
        message, files = client.predict(topic, "pl", api_name="/draft")
        assert message.startswith("⚠️ **Nie mogę przyjąć tego tematu**") and reason in message and not files
        assert "\n" not in message


# ---- rendering helpers on a hand-built Answer ------------------------------------------------

def sample_answer(**changes) -> Answer:
    source = CitedSource(footnote=5, id="lista-kkk", reference="https://www.gov.pl/web/rozwoj-technologia/lista-kkk "
                         "[dostęp: 31.12.2025]", url="https://www.gov.pl/web/rozwoj-technologia/lista-kkk")
    evil = CitedSource(footnote=9, id="evil", reference='Evil <img src=x onerror="alert(1)">',
                       url="javascript:alert(1)")
    doi = CitedSource(footnote=12, id="doi", reference="Ketels, C. (2003)", doi="10.1000/xyz")
    cite = Citation(marker=1, doc="raport-klastry.pdf", title="Klastry <b>przemysłowe</b>", page=5,
                    section="3. Klastry w Polsce w liczbach", quote="Według stanu na 31 grudnia 2025 r. było ich 18.",
                    footnotes=[5, 9, 12], sources=[source, evil, doi])
    values = {"question": KKK, "language": "pl", "refused": False, "citations": [cite],
              "answer": "Według raportu: „było ich 18.” [1] <script>alert(1)</script>"}
    values.update(changes)
    return Answer(**values)


def test_answer_html_escapes_text_and_renders_cards():
    markup = render.answer_html(sample_answer(), turn=3)
    assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;img src=x onerror=" in markup and "<img" not in markup and "javascript:" not in markup
    assert "Klastry &lt;b&gt;przemysłowe&lt;/b&gt;" in markup
    assert '<sup class="cite-ref">[1]</sup>' in markup
    assert "s. 5" in markup and "Rozdział: 3. Klastry w Polsce w liczbach" in markup
    assert "<mark>Według stanu na 31 grudnia 2025 r. było ich 18.</mark>" in markup
    assert 'href="https://www.gov.pl/web/rozwoj-technologia/lista-kkk"' in markup and "Przypis 5" in markup
    assert 'href="https://doi.org/10.1000/xyz"' in markup
    assert 'href="#strona-3-1"' in markup and "\n" not in markup
    assert "refusal-notice" not in markup and "see-also" not in markup


def test_refusal_shows_notice_and_separate_see_also():
    related = sample_answer().citations
    answer = sample_answer(answer="Raport nie podaje tej informacji.", refused=True, citations=[], see_also=related)
    markup = render.answer_html(answer, turn=0)
    assert markup.index("refusal-notice") < markup.index('class="answer"') < markup.index('class="see-also"')
    assert 'class="sources"' not in markup and "Zobacz też" in markup and 'href="#strona-0-s1"' in markup
    english = render.answer_html(sample_answer(language="en", refused=True, citations=[], see_also=related,
                                               answer="The report does not say."), turn=0)
    assert "See also" in english and "does not answer" in english and "p. 5" in english


def test_plain_text_has_answer_and_full_sources():
    text = render.plain_text(sample_answer())
    assert text.startswith("Według raportu")
    assert "[1] Klastry <b>przemysłowe</b>, s. 5, 3. Klastry w Polsce w liczbach" in text
    assert "Przypis 5: https://www.gov.pl/web/rozwoj-technologia/lista-kkk [dostęp: 31.12.2025]" in text
    assert "Przypis 12: Ketels, C. (2003) https://doi.org/10.1000/xyz" in text


def test_a_passage_to_check_is_marked_apart_in_the_chat_and_in_the_copy():
    check = sample_answer(outcome="check",
                          answer="Najbliższy fragment raportu — sprawdź, czy odpowiada na pytanie: „było ich 18.” [1]")
    markup = render.answer_html(check, turn=2)
    assert 'class="answer-block outcome-check"' in markup
    assert markup.index("check-notice") < markup.index('class="answer"') < markup.index('class="sources"')
    assert "Do sprawdzenia" in markup and "Źródła fragmentu do sprawdzenia" in markup and "refusal-notice" not in markup
    assert 'href="#strona-2-1"' in markup  # its cards open their page as an answer's do
    text = render.plain_text(check)
    assert text.startswith(render.labels("pl")["check"] + "\nNajbliższy fragment raportu — sprawdź")
    sure = render.answer_html(sample_answer(), turn=2)
    assert 'class="answer-block outcome-sure"' in sure and "check-notice" not in sure
    english = render.answer_html(sample_answer(outcome="check", language="en"), turn=0)
    assert "To check: the closest passage of the report, not a sure answer." in english
    assert "Sources of the passage to check" in english


def test_a_document_without_sections_shows_no_empty_section():
    """A .md without headings has `section == ""`: no "memo, s. 1, " in the copied text, no empty "Rozdział:"."""
    memo = Citation(marker=1, doc="memo.md", title="memo", page=1, section="", quote="Klaster zrzesza 27 pracowni.")
    answer = sample_answer(citations=[memo], answer="Klaster zrzesza 27 pracowni. [1]")
    assert "[1] memo, s. 1\n" in render.plain_text(answer) and "s. 1," not in render.plain_text(answer)
    markup = render.answer_html(answer, turn=0)
    assert "card-section" not in markup and "Rozdział" not in markup and "memo" in markup
    assert "Rozdział: 3. Klastry w Polsce w liczbach" in render.answer_html(sample_answer(), turn=0)


def test_user_question_and_errors_are_escaped():
    assert "<img" not in render.user_html('<img src=x onerror="alert(1)">', "pl")
    assert "pusta wiadomość" in render.user_html("   ", "pl")
    assert "(+" in render.user_html("x" * 100_000, "pl") and len(render.user_html("x" * 100_000, "pl")) < 1000
    assert "&lt;b&gt;" in render.error_html("<b>", "en") and "I cannot take" in render.error_html("x", "en")


def test_quote_is_found_on_the_pdf_page_despite_glued_footnote_marker():
    image, markup = render.page_view(ROOT / "corpus", "raport-klastry.pdf", 5,
                                     "Według stanu na 31 grudnia 2025 r. było ich 18.")
    assert image is not None and image.width > 500
    assert "<mark>Według stanu na 31 grudnia 2025 r. było ich 18</mark>5" in markup
    assert render.page_view(ROOT / "corpus", "../pyproject.toml", 1, "x") == (None, "")


def test_text_document_page_is_escaped(tmp_path):
    shutil.copy(INJECTION, tmp_path)
    image, markup = render.page_view(tmp_path, "injection.md", 1, "Klaster Bursztynowy z Gdańska zrzesza 27 pracowni")
    assert image is None and "<mark>" in markup and "&lt;script&gt;" in markup and "<script" not in markup


def test_login_users_from_file_and_env(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("# testers\nanna:tajne:haslo\n\njan:pass\n")
    assert ui.load_users(str(users), "ola:x, piotr:y") == [("anna", "tajne:haslo"), ("jan", "pass"), ("ola", "x"),
                                                           ("piotr", "y")]
    with pytest.raises(ValueError):
        ui.load_users(None, "nopassword")


def test_draft_markdown_is_inert_and_request_folders_are_fresh(tmp_path):
    shown = render.draft_markdown('# Temat <b>x</b>\n„<script>alert(1)</script> [zobacz](javascript:alert(1))” '
                                  '[1]. A & B')
    assert "<script" not in shown and "&lt;script&gt;" in shown and "&lt;b&gt;" in shown and "&amp; B" in shown
    assert "](javascript" not in shown and "[1]." in shown and shown.startswith("# Temat")
    assert "&lt;img" in render.draft_error_markdown("<img src=x>")
    first, second = render.draft_folder(tmp_path), render.draft_folder(tmp_path)
    assert first != second and first.parent == second.parent == tmp_path and first.is_dir()
    os.utime(first, (0, 0))  # a folder from an old request goes when the next one is made
    render.draft_folder(tmp_path)
    assert not first.exists() and second.exists()


def test_no_public_share_link_in_code():
    for path in (ROOT / "ui.py", *sorted((ROOT / "assistant" / "web").glob("*.py"))):
        assert "share" + "=True" not in path.read_text()
    assert json.loads(json.dumps(render.labels("de"))) == render.LABELS["pl"]

"""Adding a document from the web chat (issue 26 item 5) in headless Chromium, end to end: the real `ui.py` (one
worker process) over a copy of the session's report store in a temp corpus, `KLASTRY_UPLOAD_MAX_MB=1`. A .txt
upload is answered afterwards and joins the document selector and `klastry sources`; a wrong type, a file over
the limit, a corrupted PDF, a duplicate and a second upload while one is indexed each get one line; questions
asked while a document is indexed are answered from the old index. The repository's corpus/ is never touched."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium
from test_ui_api import KKK, REPORT, start_ui, stop_ui

pytestmark = pytest.mark.browser
browser = chromium.browser
OUTPUT = Path(__file__).resolve().parent / "output"
STATUS = "#add-doc-status .upload-status"


@pytest.fixture(scope="module")
def upload_app(built_store, tmp_path_factory):
    base = tmp_path_factory.mktemp("upload-app")
    shutil.copytree(built_store[0], base / "corpus")
    shutil.copytree(built_store[1], base / "store")
    app = start_ui(base / "corpus", base / "store", base, settings={"KLASTRY_UPLOAD_MAX_MB": "1"})
    yield app
    stop_ui(app)


def new_page(browser, app):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="pl-PL")
    page = context.new_page()
    page.goto(app.url, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.locator("#add-doc > button.label-wrap").click()  # the closed accordion under the chat
    page.locator("#add-doc-file").wait_for(state="visible")
    return context, page


@pytest.fixture
def page(browser, upload_app):
    context, page = new_page(browser, upload_app)
    yield page
    context.close()


def choose(page, path: Path) -> None:
    page.locator("#add-doc-file input[type=file]").set_input_files(str(path))
    page.wait_for_function("(stem) => document.querySelector('#add-doc-file').innerText.includes(stem)", arg=path.stem,
                           timeout=30_000)  # uploaded to the server: the box shows the file


def add(page, path: Path) -> None:
    choose(page, path)
    page.locator("#add-doc-button").click()


def status(page, starts: str, timeout: float = 30_000) -> str:
    """The panel's one status line once it starts with `starts`."""
    page.wait_for_function("([sel, starts]) => (document.querySelector(sel)?.innerText || '').startsWith(starts)",
                           arg=[STATUS, starts], timeout=timeout)
    line = page.locator(STATUS).inner_text()
    assert "\n" not in line.strip(), line
    return line


def ask(page, question: str) -> str:
    before = page.locator(".answer-block, .input-error").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('.answer-block, .input-error').length > {before}",
                           timeout=120_000)
    return page.locator(".answer-block, .input-error").last.inner_text()


def long_text(name: str, paragraphs: int) -> str:
    """A document that takes the ingest a while (each paragraph is embedded), on a made-up cluster."""
    trades = ["metalowej", "spożywczej", "drzewnej", "chemicznej"]
    return "\n\n".join(f"Klaster {name} w roku {2000 + n % 25} prowadził projekt numer {n} z udziałem {n + 7} firm "
                       f"z branży {trades[n % 4]}." for n in range(paragraphs))


def sources(app) -> list[str]:
    from assistant.settings import Settings
    from assistant.sources import load_sources

    return [d["doc"] for d in load_sources(Settings.load(corpus_dir=app.corpus, store_dir=app.store))["documents"]]


def test_a_txt_upload_is_answered_afterwards(page, upload_app, tmp_path):
    memo = tmp_path / "Zielona woda.txt"
    memo.write_text("Notatka o Klastrze Zielonej Wody\n\nKlaster Zielonej Wody zrzesza 77 firm z branży hydrauliki "
                    "i ma siedzibę w Gdańsku.\n", encoding="utf-8")
    add(page, memo)
    line = status(page, "Dodano", timeout=180_000)
    assert line.startswith("Dodano sources/Zielona-woda.txt") and "dodatkowy dokument" in line
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "upload-1-added.png"), full_page=True)
    assert (upload_app.corpus / "sources" / "Zielona-woda.txt").is_file()
    assert "sources/Zielona-woda.txt" in sources(upload_app)  # `klastry sources` lists it
    page.locator("#doc-pick").wait_for(state="visible")  # the selector, shown once there is another document
    page.locator("#doc-pick input").click()
    page.get_by_role("option", name="sources/Zielona-woda.txt").wait_for(timeout=10_000)
    page.keyboard.press("Escape")
    answer = ask(page, "Ile firm zrzesza Klaster Zielonej Wody?")
    assert "77" in answer and "Zielona-woda.txt" in answer
    again, other_page = new_page(page.context.browser, upload_app)  # a page opened later: in the selector too
    other_page.locator("#doc-pick").wait_for(state="visible")
    again.close()


def test_a_wrong_type_is_one_line(page, upload_app, tmp_path):
    docx = tmp_path / "wniosek.docx"
    docx.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    add(page, docx)
    assert status(page, "wniosek.docx: typ .docx nie jest obsługiwany") == \
        "wniosek.docx: typ .docx nie jest obsługiwany; dodaj plik PDF, .txt lub .md"
    fake = tmp_path / "skan.pdf"
    fake.write_text("To nie jest PDF, tylko tekst.", encoding="utf-8")
    add(page, fake)
    status(page, "skan.pdf: to nie jest PDF")
    assert not (upload_app.corpus / "sources" / "wniosek.docx").exists()


def test_a_file_over_the_limit_is_one_line(page, upload_app, tmp_path):
    big = tmp_path / "duzy.txt"
    big.write_text("Klaster. " * 180_000, encoding="utf-8")  # 1.5 MB, the limit is 1 MB
    add(page, big)
    assert status(page, "duzy.txt:") == \
        "duzy.txt: 1.5 MB to więcej niż limit 1 MB (ustawienie KLASTRY_UPLOAD_MAX_MB)"


def test_a_corrupted_pdf_is_one_line_and_leaves_nothing(page, upload_app, tmp_path):
    cut = tmp_path / "uciety.pdf"
    data = REPORT.read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    add(page, cut)
    line = status(page, "uciety.pdf: nie da się odczytać pliku", timeout=60_000)
    assert "PDF" in line
    assert not (upload_app.corpus / "sources" / "uciety.pdf").exists()
    assert "sources/uciety.pdf" not in sources(upload_app)
    assert "18" in ask(page, KKK)  # the index answers as before


def test_a_duplicate_is_one_line(page, upload_app, tmp_path):
    copy = tmp_path / "kopia raportu.pdf"
    shutil.copy(REPORT, copy)
    add(page, copy)
    assert status(page, "kopia raportu.pdf:") == \
        "kopia raportu.pdf: ten dokument jest już w indeksie jako raport-klastry.pdf (ta sama treść)"


def test_two_uploads_at_once_and_questions_meanwhile(page, browser, upload_app, tmp_path):
    slow = tmp_path / "dlugi.txt"
    slow.write_text(long_text("Testowy Długi", 300), encoding="utf-8")
    small = tmp_path / "krotki.md"
    small.write_text("# Klaster Krótki\n\nKlaster Krótki z Opola zrzesza 23 firmy.\n", encoding="utf-8")
    other_context, other = new_page(browser, upload_app)
    try:
        choose(other, small)  # the second user has a file ready
        add(page, slow)
        status(page, "Dodawanie sources/dlugi.txt", timeout=60_000)
        other.locator("#add-doc-button").click()
        assert status(other, "Trwa dodawanie") == ("Trwa dodawanie innego dokumentu (sources/dlugi.txt); spróbuj "
                                                   "ponownie, gdy się zakończy.")
        answer = ask(other, KKK)  # the chat answers meanwhile, from the index it had
        assert "18" in answer
        assert "18" in ask(page, KKK)  # the uploader too
        assert page.locator(STATUS).inner_text().startswith("Dodawanie sources/dlugi.txt"), "still indexing"
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "upload-2-indexing.png"), full_page=True)
        status(page, "Dodano sources/dlugi.txt", timeout=300_000)
        add(other, small)  # "try again when it is done" (the box was emptied for the next file)
        status(other, "Dodano sources/krotki.md", timeout=180_000)
        assert "23" in ask(other, "Ile firm zrzesza Klaster Krótki z Opola?")
    finally:
        other_context.close()


def test_with_a_login_the_logged_in_user_adds_and_is_named_in_the_log(browser, built_store, tmp_path):
    shutil.copytree(built_store[0], tmp_path / "corpus")
    shutil.copytree(built_store[1], tmp_path / "store")
    app = start_ui(tmp_path / "corpus", tmp_path / "store", tmp_path, users="anna:tajne-haslo",
                   settings={"KLASTRY_UPLOAD_MAX_MB": "1"})
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="pl-PL")
    try:
        page = context.new_page()
        page.goto(app.url, wait_until="load")
        page.locator("input[type=password]").wait_for(timeout=60_000)
        page.locator("input:not([type=password])").first.fill("anna")
        page.locator("input[type=password]").fill("tajne-haslo")
        page.locator("input[type=password]").press("Enter")
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.locator("#add-doc > button.label-wrap").click()
        memo = tmp_path / "notatka.md"
        memo.write_text("# Klaster Zalogowany\n\nKlaster Zalogowany z Torunia zrzesza 19 firm.\n", encoding="utf-8")
        add(page, memo)
        status(page, "Dodano sources/notatka.md", timeout=180_000)
        assert "upload: anna added sources/notatka.md" in app.log.read_text()
    finally:
        context.close()
        stop_ui(app)

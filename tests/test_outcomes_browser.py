"""The three outcomes on the page (issue 25): a sure answer, a passage to check, not in the report.

A real `python ui.py` over a copy of the session's report + injection store, in headless Chromium.
Its levels are set through settings, from the probabilities the assistant gives three English
questions on that store, so that one lands between the levels whatever the trained model says: the
test depends on their order (weather < internships < KKK), not on any exact probability. Screenshots
go to tests/output/ (ui-outcomes-*.png).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium
from test_ui_api import start_ui, stop_ui
from test_ui_browser import ANSWERED, OUTPUT, ask

pytestmark = pytest.mark.browser
browser = chromium.browser

SURE = "How many clusters have the status of National Key Cluster (KKK)?"
CHECK = "How many internships did clusters organise?"
REFUSED = "What will the weather be like in Warsaw tomorrow?"


@pytest.fixture(scope="module")
def levelled_app(injection_store, tmp_path_factory):
    """The chat with its levels between the three questions' probabilities (set through KLASTRY_ANSWER__*)."""
    from assistant import Assistant, Settings

    base = tmp_path_factory.mktemp("outcomes-ui")
    corpus, store = base / "corpus", base / "store"
    shutil.copytree(injection_store[0], corpus)
    shutil.copytree(injection_store[1], store)
    assistant = Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store))
    p, history = {}, []
    for question in (SURE, CHECK, REFUSED):  # in the order the page asks them: one conversation
        p[question] = assistant.ask(question, history=list(history)).confidence
        history.append(question)
    del assistant
    assert p[REFUSED] < p[CHECK] < p[SURE], f"the three questions no longer rank in this order: {p}"
    levels = {"KLASTRY_ANSWER__CHECK_ABOVE": str((p[REFUSED] + p[CHECK]) / 2),
              "KLASTRY_ANSWER__SURE_ABOVE": str((p[CHECK] + p[SURE]) / 2)}
    app = start_ui(corpus, store, tmp_path_factory.mktemp("outcomes-run"), settings=levels)
    yield app
    stop_ui(app)


@pytest.fixture
def page(browser, levelled_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=levelled_app.url.rstrip("/"))
    page = context.new_page()
    page.goto(levelled_app.url, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=60_000)
    yield page
    context.close()


def style(locator, prop: str) -> str:
    return locator.evaluate(f"element => getComputedStyle(element).getPropertyValue('{prop}')")


def test_the_three_outcomes_look_different_and_read_right_in_english(page):
    OUTPUT.mkdir(exist_ok=True)
    replies = {}
    for position, (name, question) in enumerate((("sure", SURE), ("check", CHECK), ("refused", REFUSED))):
        ask(page, question)
        replies[name] = page.locator(ANSWERED).nth(position)  # this reply, not whichever is last later
        assert f"outcome-{name}" in replies[name].get_attribute("class").split(), replies[name].inner_text()
        replies[name].scroll_into_view_if_needed()
        replies[name].screenshot(path=str(OUTPUT / f"ui-outcomes-{name}.png"))
        if name == "check":  # "Copy" says which outcome it copies
            page.click("#copy-answer")
            copied = page.evaluate("navigator.clipboard.readText()")
            lines = copied.splitlines()
            assert lines[0] == "To check: the closest passage of the report, not a sure answer.", copied
            if lines[1].startswith("The passage does not mention: "):  # what the passage lacks, when it is news
                lines = lines[1:]
            assert lines[1].startswith("The closest the report comes; check that it answers your question:"), copied
    page.wait_for_function("document.querySelector('#send').innerText.trim() === 'Send'", timeout=30_000)
    sure, check, refused = replies["sure"], replies["check"], replies["refused"]

    assert sure.locator(".answer").inner_text().startswith("According to the report: „")
    assert sure.locator(".check-notice, .refusal-notice").count() == 0
    assert sure.locator(".sources-title").inner_text() == "Sources" and sure.locator(".source-card").count() >= 1

    notice = check.locator(".check-notice")
    assert notice.is_visible()
    assert "To check: the closest passage of the report, not a sure answer." in notice.inner_text()
    text = check.locator(".answer").inner_text()
    assert text.startswith("The closest the report comes; check that it answers your question: „")
    assert "According to the report" not in text and check.locator(".refusal-notice").count() == 0
    assert check.locator(".sources-title").inner_text() == "Sources of the passage to check"
    assert check.locator(".source-card").count() >= 1 and "p. " in check.locator(".source-card").first.inner_text()

    assert "The report does not answer this question." in refused.locator(".refusal-notice").inner_text()
    assert refused.locator(".answer").inner_text() == "The report does not say."
    assert "See also" in refused.locator(".see-also").inner_text() and refused.locator(".sources").count() == 0

    # they look different: the passage to check is framed (dashed), unlike the answer; its notice is not the refusal's
    assert style(check.locator(".answer"), "border-top-style") == "dashed"
    assert style(sure.locator(".answer"), "border-top-style") != "dashed"
    assert style(check.locator(".answer"), "background-color") != style(sure.locator(".answer"), "background-color")
    assert style(notice, "background-color") != style(refused.locator(".refusal-notice"), "background-color")
    assert style(check.locator(".source-card").first, "border-top-style") == "dashed"
    assert style(sure.locator(".source-card").first, "border-top-style") != "dashed"
    assert page.locator(ANSWERED).count() == 3
    page.screenshot(path=str(OUTPUT / "ui-outcomes-page.png"), full_page=True)

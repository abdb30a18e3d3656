"""Web chat end to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Same app and store as tests/test_ui_api.py (the session-scoped `ui_app` fixture: one app for both
files). Screenshots go to tests/output/ (git-ignored). Skipped only when /usr/bin/chromium or
playwright is missing. Every test here is marked `browser`: `pytest -m "not browser"` leaves them out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium
import test_ui_api
from test_ui_api import AMBER, DRAFT_TOPIC, KKK

from assistant.web import assets

ui_app = test_ui_api.ui_app  # the running app: the same one tests/test_ui_api.py uses

OUTPUT = Path(__file__).resolve().parent / "output"
ANSWERED = ".answer-block, .input-error"

pytestmark = pytest.mark.browser
browser = chromium.browser  # one headless Chromium for this module (tests/chromium.py)



@pytest.fixture
def page(browser, ui_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="pl-PL")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_app.url.rstrip("/"))
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(ui_app.url, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=60_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"ui-{name}.png"))


def ask(page, question: str, timeout: float = 120_000):
    """Type a question, press Enter, wait for the reply; return the reply's locator."""
    before = page.locator(ANSWERED).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('{ANSWERED}').length > {before}", timeout=timeout)
    page.wait_for_timeout(300)  # let the last streamed update settle
    return page.locator(ANSWERED).last


def watch_streaming(page) -> None:
    """Record the length of every streamed (partial) answer the page shows."""
    page.evaluate("""() => {
      window.__streamed = [];
      new MutationObserver(() => {
        const el = document.querySelector('#chat .answer.streaming');
        if (el) window.__streamed.push(el.textContent.length);
      }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")


def test_question_shows_the_answer_with_source_cards(page):
    watch_streaming(page)
    reply = ask(page, KKK)
    lengths = page.evaluate("window.__streamed")
    assert lengths == [], f"an extractive answer arrives whole with its cards, no partial text first: {lengths}"
    assert "18" in reply.locator(".answer").inner_text()
    card = reply.locator(".source-card").first
    card.wait_for(state="visible")
    assert card.locator(".card-num").inner_text() == "[1]" and "s. " in card.inner_text()
    assert card.locator(".card-quote mark").is_visible() and "Rozdział:" in card.inner_text()
    for link in reply.locator(".card-sources a").all():  # full references link out, in a new tab
        assert link.get_attribute("href").startswith("http") and link.get_attribute("target") == "_blank"
    card.scroll_into_view_if_needed()
    shot(page, "1-answer-with-sources")


def test_open_cited_page_shows_the_page_with_the_quote(page):
    reply = ask(page, KKK)
    card = reply.locator(".source-card").last
    page_label = card.locator(".card-page").inner_text()  # "s. 5"
    quote = card.locator(".card-quote").inner_text()
    card.locator("a.open-page").click()
    image = page.locator("#page-image img")
    image.wait_for(state="visible", timeout=30_000)
    assert page.locator("#panel-title").inner_text().strip().endswith(page_label)
    assert page.locator("#page-text mark").first.inner_text()[:20] in quote
    box = image.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 300
    shot(page, "2-cited-page")
    first = page.locator("#pick a.open-page").first  # the side panel's own list opens a page too
    first_page = first.inner_text().split()[-1]
    first.click()
    page.wait_for_function(f"document.querySelector('#panel-title').innerText.trim().endsWith(' {first_page}')",
                           timeout=30_000)
    assert page.dialogs == []


def test_refusal_is_marked_and_see_also_kept_apart(page):
    reply = ask(page, "Ile klastrów jest w Niemczech?")
    notice = reply.locator(".refusal-notice")
    assert notice.is_visible() and "nie zawiera odpowiedzi" in notice.inner_text()
    see_also = reply.locator(".see-also")
    assert see_also.is_visible() and "to nie jest odpowiedź" in see_also.inner_text()
    assert reply.locator(".sources").count() == 0  # related passages are never shown as the answer's sources
    notice.scroll_into_view_if_needed()
    shot(page, "3-refusal")


def test_injection_document_renders_as_inert_text(page):
    reply = ask(page, AMBER)
    text = reply.inner_text()
    assert "<script>" in text and "<img src=x onerror=" in text and "[zobacz](javascript:" in text
    reply.locator("a.open-page").first.click()
    page.locator("#page-text mark").first.wait_for(state="visible", timeout=30_000)
    assert "<script>" in page.locator("#page-text").inner_text()
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    assert page.dialogs == [], f"a script ran: {page.dialogs}"
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0 and page.locator("#chat script, #page-text script").count() == 0
    assert page.locator('a[href^="javascript"]').count() == 0
    reply.scroll_into_view_if_needed()
    shot(page, "4-injection-inert")


def test_bad_input_gets_clear_replies_and_session_keeps_working(page):
    empty = ask(page, "   ")
    assert "input-error" in empty.get_attribute("class") and "Nie mogę przyjąć tego pytania" in empty.inner_text()
    assert "2000" in ask(page, "klastry " * 13_000).inner_text()
    ask(page, "😀🎉")
    assert "polsku" in ask(page, "Wie viele Cluster gibt es in Polen?").inner_text()
    page.locator(".input-error").first.scroll_into_view_if_needed()
    shot(page, "5-bad-input")
    assert "18" in ask(page, KKK).locator(".answer").inner_text()
    assert page.locator(ANSWERED).count() == 5
    shot(page, "5-bad-input-then-answer")


def test_english_question_switches_labels_and_follow_up_uses_history(page):
    reply = ask(page, "How many clusters have the status of a National Key Cluster?")
    assert "Sources" in reply.inner_text() and "p. " in reply.inner_text()
    # the labels follow in an event of their own, sent by the page when the answer changed its language
    page.wait_for_function("document.querySelector('#send').innerText.trim() === 'Send'", timeout=30_000)
    assert page.locator("#question textarea").get_attribute("placeholder").startswith("Ask")
    assert page.get_by_text("Example questions").is_visible()
    follow_up = ask(page, "And which region has the most clusters?")
    assert follow_up.is_visible()
    shot(page, "6-english")
    page.click("#new-chat")  # a new conversation: empty chat, Polish labels again
    page.wait_for_function("document.querySelector('#send').innerText.trim() === 'Wyślij'", timeout=30_000)
    assert page.locator(ANSWERED).count() == 0
    assert not page.locator("#question textarea").get_attribute("placeholder").startswith("Ask")
    assert page.get_by_text("Przykładowe pytania").is_visible()


def test_copy_and_feedback(page, ui_app):
    ask(page, KKK)
    page.click("#copy-answer")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "18" in copied and "[1] " in copied and ", s. " in copied and "<" not in copied
    lines_before = ui_app.feedback.read_text().count("\n") if ui_app.feedback.exists() else 0
    # named in the interface's language by the page script (assets.NAMES), whatever Gradio called it
    page.locator(f'#chat button[aria-label="{assets.NAMES["pl"]["like"]}"]').last.click()
    for _ in range(50):
        if ui_app.feedback.exists() and ui_app.feedback.read_text().count("\n") > lines_before:
            break
        page.wait_for_timeout(200)
    record = json.loads(ui_app.feedback.read_text().splitlines()[-1])
    assert record["rating"] == "up" and record["question"] == KKK
    assert record["citations"] and all(c["page"] > 0 for c in record["citations"])
    shot(page, "7-feedback")


def test_draft_tab_shows_a_cited_draft_with_downloads(page):
    page.get_by_role("tab", name="Uzasadnienie wniosku").click()
    box = page.locator("#draft-topic textarea, #draft-topic input").first
    box.wait_for(state="visible")
    assert "szkolenia i staże" in box.get_attribute("placeholder")
    box.fill(DRAFT_TOPIC)
    page.click("#draft-button")
    page.locator('#draft-files a[download^="uzasadnienie-"][download$=".docx"]').wait_for(state="visible",
                                                                                  timeout=120_000)
    draft = page.locator("#draft-text")
    text = draft.inner_text()
    title = "Uzasadnienie projektu: " + DRAFT_TOPIC[0].upper() + DRAFT_TOPIC[1:]  # the project's name capitalized
    assert title in text and "1 642" in text and "[1]" in text
    assert draft.locator("h2", has_text="Przypisy").is_visible()
    assert draft.locator("h2", has_text="Bibliografia").count() == 1
    assert page.locator('#draft-files a[download^="uzasadnienie-"][download$=".md"]').count() == 1
    assert draft.locator("script, img").count() == 0 and draft.locator('a[href^="javascript"]').count() == 0
    assert page.dialogs == [] and page.evaluate("window.__xss") is None
    shot(page, "8-draft")

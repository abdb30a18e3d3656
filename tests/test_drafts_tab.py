"""The web chat's draft tab in headless Chromium: the coordinator chooses the figures the exported draft quotes.

Same running app as tests/test_ui_api.py and tests/test_ui_browser.py (the session's `ui_app`). The
draft's candidate quotes are check boxes (the relevant ones ticked); unticking one and exporting must give
a downloaded .md without that quote and with every other ticked one. A quote whose text is damaged in the
PDF is flagged and not ticked. What is checked is read from the page and the downloaded file, not from the
drafter. Marked `browser`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium
import test_ui_api
from test_ui_api import DRAFT_TOPIC

ui_app = test_ui_api.ui_app  # the running app: the same one tests/test_ui_api.py uses

OUTPUT = Path(__file__).resolve().parent / "output"
QUOTE = re.compile(r"„(.+?)(?:”|…)\s*$")  # the quote in a check box's label (cut with … when long)

pytestmark = pytest.mark.browser
browser = chromium.browser  # one headless Chromium for this module (tests/chromium.py)



@pytest.fixture
def page(browser, ui_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="pl-PL", accept_downloads=True)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(ui_app.url, wait_until="load")
    page.get_by_role("tab", name="Uzasadnienie wniosku").click()
    yield page
    context.close()


def draft(page, topic: str) -> list[tuple[str, bool, object]]:
    """Draft `topic` in the tab; the candidate check boxes as (label text, ticked, locator)."""
    box = page.locator("#draft-topic textarea, #draft-topic input").first
    box.wait_for(state="visible")
    box.fill(topic)
    page.click("#draft-button")
    page.locator("#draft-figures label").first.wait_for(state="visible", timeout=120_000)
    page.locator('#draft-files a[download$=".md"]').wait_for(state="visible", timeout=60_000)
    labels = page.locator("#draft-figures label")
    return [(labels.nth(i).inner_text().strip(), labels.nth(i).locator("input").is_checked(), labels.nth(i))
            for i in range(labels.count())]


def quote_start(label: str) -> str:
    """The first words of the label's quote: enough to find it in the draft, short of any cut."""
    found = QUOTE.search(label)
    assert found, label
    return found.group(1)[:60]


def download_markdown(page, tmp_path: Path) -> str:
    with page.expect_download(timeout=60_000) as download:
        page.locator('#draft-files a[download^="uzasadnienie-"][download$=".md"]').click()
    path = tmp_path / "uzasadnienie.md"
    download.value.save_as(path)
    return path.read_text(encoding="utf-8")


def test_unticked_figure_is_left_out_of_the_exported_draft(page, tmp_path):
    boxes = draft(page, DRAFT_TOPIC)
    ticked = [(label, box) for label, checked, box in boxes if checked]
    assert len(ticked) >= 3 and len(boxes) > len(ticked), [b[:2] for b in boxes]  # relevant ticked, more offered
    assert any("1 642" in label for label, _ in ticked)  # the internships figure is chosen by default
    first = download_markdown(page, tmp_path)
    for label, _ in ticked:  # the draft as offered quotes every ticked quote
        assert quote_start(label) in first, label
    dropped_label, dropped_box = next((label, box) for label, box in ticked if "1 642" in label)
    dropped_box.click()
    assert not dropped_box.locator("input").is_checked()
    old_href = page.locator('#draft-files a[download^="uzasadnienie-"][download$=".md"]').get_attribute("href")
    page.click("#draft-export")
    page.wait_for_function(
        "old => { const a = document.querySelector('#draft-files a[download$=\".md\"]');"
        " return a && a.getAttribute('href') !== old; }", arg=old_href, timeout=120_000)
    assert "Zapisano szkic" in page.locator("#draft-status").inner_text()
    exported = download_markdown(page, tmp_path)
    assert quote_start(dropped_label) not in exported and "1 642" not in exported
    for label, _ in ticked:
        if label != dropped_label:
            assert quote_start(label) in exported, label
    assert "1 642" not in page.locator("#draft-text").inner_text()  # the draft shown is the exported one
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "ui-9-draft-chosen.png"))
    assert page.dialogs == []


def test_damaged_quote_is_flagged_and_not_ticked_and_nothing_chosen_is_refused(page):
    boxes = draft(page, "stabilne finansowanie koordynatorów klastrów")
    damaged = [(label, checked) for label, checked, _ in boxes if label.startswith("⚠")]
    assert damaged and all("14,2y" in label and not checked for label, checked in damaged), damaged
    assert "uszkodzony" in page.locator("#draft-status").inner_text()
    shown = page.locator("#draft-text").inner_text()
    for _, checked, box in boxes:  # untick everything: the export says why it cannot, and loses nothing
        if checked:
            box.click()
    page.click("#draft-export")
    page.locator("#draft-status .draft-notice").wait_for(state="visible", timeout=60_000)
    assert "zaznacz co najmniej jeden cytat" in page.locator("#draft-status").inner_text()
    assert page.locator("#draft-text").inner_text() == shown
    assert page.locator('#draft-files a[download^="uzasadnienie-"][download$=".md"]').count() == 1


def test_an_english_topic_gets_english_framing_with_the_language_left_alone(page):
    """The tab reads the topic's language as `klastry draft` does: the radio's default is "wg tematu"."""
    assert page.locator("#draft-lang input:checked").first.get_attribute("value") in ("", None)
    draft(page, "Draft a justification for a training and internship programme in the cluster, citing the report.")
    shown = page.locator("#draft-text").inner_text()
    assert "Project justification" in shown and "Needs analysis and justification" in shown
    assert "Uzasadnienie projektu" not in shown and "1 642" in shown  # English framing, Polish quotes
    assert page.locator('#draft-files a[download^="justification-"][download$=".docx"]').count() == 1

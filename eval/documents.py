"""The evaluation with documents beside the report (issue 26): a corpus with extra documents, and `expect_doc`.

`--corpus-extra DIR` copies the report's corpus and DIR (as `sources/`; its README and the notes for the
fixture's checker left out: they list the report's values beside the documents') into a corpus of its own
under the temp folder, with a store of its own (the report's embedding cache copied in, so only the new
files are embedded). `expect_doc` names the document the first quote must come from ("raport-klastry.pdf",
"sources/panorama-2024-full.txt").
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from .harness import EvalError

SKIPPED = {"README.md", "readme.md"}
LAYOUT = "2"  # bump when what is copied changes: a new corpus folder, a new store
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)  # notes for whoever checks the fixture, never a reader's text


def reader_text(text: str, suffix: str) -> str:
    """A document as its reader sees it: HTML comments out, and in a .txt the `#` comment lines
    (eval/sources' files end with such a note listing the report's values beside their own)."""
    text = COMMENT.sub("", text)
    if suffix == ".txt":
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return text.rstrip() + "\n"


def extra_corpus(extra: Path, corpus_dir: Path, store_dir: Path) -> tuple[Path, Path]:
    """(corpus, store) of the report's corpus plus `extra` as sources/; reused while the files are the same."""
    extra = Path(extra)
    if not extra.is_dir():
        raise EvalError(f"--corpus-extra {extra} is not a folder")
    files = sorted(p for p in extra.rglob("*") if p.is_file() and p.name not in SKIPPED)
    if not files:
        raise EvalError(f"--corpus-extra {extra} holds no documents")
    digest = hashlib.sha256(LAYOUT.encode())
    for path in files:
        digest.update(str(path.relative_to(extra)).encode() + path.read_bytes())
    root = Path(tempfile.gettempdir()) / f"klastry-extra-{digest.hexdigest()[:12]}"
    corpus, store = root / "corpus", root / "store"
    if not corpus.is_dir():
        staging = root / "corpus.partial"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(corpus_dir, staging, ignore=shutil.ignore_patterns(*SKIPPED))
        for path in files:
            target = staging / "sources" / path.relative_to(extra)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix in (".md", ".txt"):
                target.write_text(reader_text(path.read_text(encoding="utf-8"), path.suffix), encoding="utf-8")
            else:
                shutil.copy2(path, target)
        staging.rename(corpus)
    cache = Path(store_dir) / "embeddings.sqlite"
    if cache.is_file() and not (store / "embeddings.sqlite").exists():
        store.mkdir(parents=True, exist_ok=True)
        shutil.copy2(cache, store / "embeddings.sqlite")
    return corpus, store


def is_report_doc(doc: str | None) -> bool:
    from assistant.sources import is_report

    return bool(doc) and is_report(doc)


def score_document(question: dict, answer: dict) -> dict:
    """`doc_ok`: the first quote comes from `expect_doc` (None when the question has none or expects a refusal);
    `other_doc_quoted`: a question the report answers was answered with another document's quote."""
    expected = question.get("expect_doc")
    citations = answer.get("citations") or []
    first = citations[0].get("doc") if citations and not answer.get("refused") else None
    applies = bool(expected) and not question.get("expect_refusal")
    return {
        "expect_doc": expected,
        "first_doc": first,
        "doc_ok": (first == expected) if applies else None,
        "other_doc_quoted": (any(not is_report_doc(c.get("doc")) for c in citations)
                             if applies and is_report_doc(expected) and not answer.get("refused") else None),
    }


def document_metrics(scores: list[dict]) -> dict:
    """Per category and in all: right figure, right document, report questions quoting another document."""
    def rates(items: list[dict]) -> dict:
        def share(key: str) -> float | None:
            values = [s[key] for s in items if s.get(key) is not None]
            return round(sum(map(bool, values)) / len(values), 3) if values else None

        return {"questions": len(items), "figure_accuracy": share("figures_ok"), "document_accuracy": share("doc_ok"),
                "other_document_quoted": sum(bool(s.get("other_doc_quoted")) for s in items),
                "refused": sum(bool(s.get("refused")) for s in items)}

    groups: dict[str, list[dict]] = {}
    for s in scores:
        groups.setdefault(s.get("category") or "(none)", []).append(s)
    return {"all": rates(scores), **{name: rates(items) for name, items in sorted(groups.items())}}

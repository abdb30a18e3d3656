"""assistant/drafts is split by job: no module imports one that imports it back, none grows past 400 lines,
and the command line's parser does not load the drafter. No store."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "assistant" / "drafts"
MODULES = {"tables", "model", "bibliography", "compose", "rewrite", "export", "command"}


def drafts_imports(path: Path) -> set[str]:
    """The assistant.drafts modules a file imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant.drafts."):
            found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("assistant.drafts.")}
    return found


def test_each_job_has_its_module_and_none_is_too_long():
    files = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert MODULES <= set(files)
    for name, path in files.items():
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, name


def test_no_import_cycle_between_the_drafts_modules():
    graph = {p.stem: drafts_imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join(path + (name,))}"
        if name in done:
            return
        for other in graph.get(name, ()):
            visit(other, path + (name,))
        done.add(name)

    for name in graph:
        visit(name, ())
    assert "compose" not in graph["export"] and "export" not in graph["bibliography"]
    assert graph["tables"] == set()


def test_the_cli_parser_does_not_load_the_drafter():
    code = ("import sys, argparse; from assistant.drafts.command import add_draft_arguments; "
            "add_draft_arguments(argparse.ArgumentParser()); "
            "print(sorted(m for m in sys.modules if m.startswith('assistant.drafts.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['assistant.drafts.command']"


def test_the_package_names_resolve_to_their_modules():
    from assistant import drafts
    from assistant.drafts.compose import draft_justification
    from assistant.drafts.export import write_draft

    assert drafts.draft_justification is draft_justification and drafts.write_draft is write_draft
    assert all(getattr(drafts, name) is not None for name in drafts.__all__)

"""The shape of the code (docs/architecture.md): no import cycles, small modules, the library imports no
application layer. Static: reads the source, imports nothing."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "ingest", "eval")
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def top_level_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules imported when `name` is imported (imports inside functions are lazy and do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks never run
            continue
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def test_no_import_cycles():
    known = modules()
    graph = {name: top_level_imports(path, name, set(known)) for name, path in known.items()}
    assert len(graph) > 40
    visiting, done, cycles = set(), set(), []

    def visit(node, trail):
        if node in done:
            return
        if node in visiting:
            cycles.append(trail[trail.index(node):] + [node])
            return
        visiting.add(node)
        for nxt in graph.get(node, ()):
            if not nxt.startswith(node + "."):  # a package importing its own submodule is not a cycle
                visit(nxt, trail + [nxt])
        visiting.discard(node)
        done.add(node)

    for name in graph:
        visit(name, [name])
    assert not cycles, cycles[:3]


def test_modules_stay_small():
    long = {str(path.relative_to(ROOT)): n for path in modules().values()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    long |= {"ui.py": n} if (n := len((ROOT / "ui.py").read_text(encoding="utf-8").splitlines())) > MAX_LINES else {}
    assert not long


def test_the_library_imports_no_application_layer():
    known = modules()
    for name, path in known.items():
        if name.startswith("assistant"):
            imported = top_level_imports(path, name, set(known) | {"ingest", "eval", "ui"})
            assert not {i for i in imported if i.split(".")[0] in ("ingest", "eval", "ui")}, name

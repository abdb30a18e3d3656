"""The question file's schema: a tester's file is checked like code before any model loads.

A misspelt key would silently drop a check (`expected_figures` meant nothing, so the question passed
unchecked); a string where a list belongs would be read letter by letter (`expect_figures: "999"` was
9, 9, 9); `expect_refusal: "no"` was true. So every key must be known, every value of its type, and
every error is one line naming the file, the line and the key.

The file is a YAML list of questions, or a mapping with `questions:` (that list) and optional
`thresholds:` (metric: floor, or for `false_refusal_rate`, `hallucinated_figures`, `errors` a ceiling),
which gate the run as `--gate` does with the product's own (eval/thresholds.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml

from .thresholds import Threshold, parse_thresholds

LANGUAGES = ("pl", "en", "de")
SPLITS = ("", "dev", "test")


class SchemaError(ValueError):
    """One problem of a question file, as one line."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"`{key}` must be a non-empty string, got {_shown(value)}")
    return value


def _figure(value: Any, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        raise SchemaError(f"`{key}` holds {_shown(value)}: each figure or word must be a string or a number")
    return str(value)


def _groups(value: Any, key: str) -> list[list[str]]:
    """[["18"], ["84", "84 klastry"]]: every group must appear, any spelling inside a group; a bare item is a group."""
    if not isinstance(value, list):
        raise SchemaError(f"`{key}` must be a list of groups, e.g. {key}: [[\"18\"]], got {_shown(value)}")
    groups = []
    for group in value:
        items = group if isinstance(group, list) else [group]
        if not items:
            raise SchemaError(f"`{key}` holds an empty group []")
        groups.append([_figure(item, key) for item in items])
    return groups


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list):
        raise SchemaError(f"`{key}` must be a list, e.g. {key}: [\"185\"], got {_shown(value)}")
    return [_figure(item, key) if key != "history" else _text(item, key) for item in value]


def _numbers(value: Any, key: str) -> list[int]:
    if not isinstance(value, list):
        raise SchemaError(f"`{key}` must be a list of whole numbers, e.g. {key}: [5], got {_shown(value)}")
    for item in value:
        if not _is_int(item) or item < 1:
            raise SchemaError(f"`{key}` holds {_shown(item)}: each must be a whole number from 1")
    return list(value)


def _boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise SchemaError(f"`{key}` must be true or false (unquoted), got {_shown(value)}")
    return value


def _choice(options: tuple[str, ...]) -> Callable[[Any, str], str]:
    def check(value: Any, key: str) -> str:
        value = "" if value is None else value
        if value not in options:
            shown = ", ".join(o for o in options if o)
            raise SchemaError(f"`{key}` must be one of {shown}, got {_shown(value)}")
        return value

    return check


def _label(value: Any, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise SchemaError(f"`{key}` must be a string, got {_shown(value)}")
    return str(value)


def _identifier(value: Any, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise SchemaError(f"`{key}` must be a non-empty string or number, got {_shown(value)}")
    return str(value)


# key -> check; `lang` and `language` are the same field, `kind` and `category` name groups in the report
FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "id": _identifier,
    "question": _text,
    "history": _strings,
    "expect_figures": _groups,
    "expect_words": _groups,
    "forbid_figures": _strings,
    "expect_footnotes": _numbers,
    "expect_pages": _numbers,
    "expect_refusal": _boolean,
    "split": _choice(SPLITS),
    "lang": _choice(("",) + LANGUAGES),
    "language": _choice(("",) + LANGUAGES),
    "kind": _label,
    "category": _label,
    "section": _label,
    "expect_doc": _label,  # issue 26: the document the first quote must come from ("raport-klastry.pdf")
}
REQUIRED = ("id", "question")


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return "the string " + repr(value[:40])
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return f"{type(value).__name__} {value!r}"[:60]


def _compose(path: Path) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"{path}: no such question file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SchemaError(f"cannot read question file {path}: {error}") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SchemaError(f"{path}{where}: malformed YAML: {problem}") from None


def _value(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        raise SchemaError(f"line {node.start_mark.line + 1}: {getattr(error, 'problem', error)}") from None
    finally:
        loader.dispose()


def read_question_file(path: Path | str) -> tuple[list[dict], list[Threshold]]:
    """The file's questions (checked, with neutral defaults) and its own thresholds; SchemaError otherwise."""
    path = Path(path)
    root = _compose(path)
    thresholds: list[Threshold] = []
    if isinstance(root, yaml.MappingNode):
        parts = {_value(k): v for k, v in root.value}
        unknown = [k for k in parts if k not in ("questions", "thresholds")]
        if unknown:
            line = next(k.start_mark.line + 1 for k, _ in root.value if _value(k) == unknown[0])
            raise SchemaError(f"{path}, line {line}: unknown top-level key `{unknown[0]}` "
                              "(a question file is a list, or `questions:` with optional `thresholds:`)")
        if "thresholds" in parts:
            node = parts["thresholds"]
            try:
                thresholds = parse_thresholds(_value(node))
            except ValueError as error:
                raise SchemaError(f"{path}, line {node.start_mark.line + 1}: {error}") from None
        root = parts.get("questions")
    if not isinstance(root, yaml.SequenceNode):
        found = "nothing" if root is None else "a mapping" if isinstance(root, yaml.MappingNode) else "a single value"
        raise SchemaError(f"{path} must hold a YAML list of questions, found {found}")
    if not root.value:
        raise SchemaError(f"{path} holds no questions")
    questions, seen = [], {}
    for position, item in enumerate(root.value, start=1):
        line = item.start_mark.line + 1
        question = _check_item(path, position, item)
        if question["id"] in seen:
            raise SchemaError(f"{path}, line {line}: duplicate id {question['id']!r} (first at line "
                              f"{seen[question['id']]})")
        seen[question["id"]] = line
        questions.append(question)
    return questions, thresholds


def _check_item(path: Path, position: int, item: yaml.Node) -> dict:
    line = item.start_mark.line + 1
    if not isinstance(item, yaml.MappingNode):
        raise SchemaError(f"{path}, line {line}: question {position} must be a mapping with `id` and `question`")
    checked: dict[str, Any] = {}
    for key_node, value_node in item.value:
        key = _value(key_node)
        where = f"{path}, line {key_node.start_mark.line + 1}"
        if key not in FIELDS:
            hint = _closest(str(key))
            raise SchemaError(f"{where}: unknown key `{key}`" + (f" (did you mean `{hint}`?)" if hint else "")
                              + " in question " + str(position))
        if key in checked:
            raise SchemaError(f"{where}: `{key}` given twice in question {position}")
        try:
            checked[key] = FIELDS[key](_value(value_node), key)
        except SchemaError as error:
            raise SchemaError(f"{where}: {error}") from None
    for key in REQUIRED:
        if key not in checked:
            raise SchemaError(f"{path}, line {line}: question {position} has no `{key}`")
    return normalize(checked)


def _closest(key: str) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, list(FIELDS), n=1, cutoff=0.7)
    return found[0] if found else None


def normalize(item: dict) -> dict:
    """A checked question with every field present (neutral defaults), as the harness scores it."""
    return {
        "id": str(item["id"]),
        "question": item["question"],
        "lang": item.get("lang") or item.get("language"),
        "kind": item.get("kind"),
        "section": item.get("section"),
        "history": list(item.get("history") or []),
        "expect_figures": list(item.get("expect_figures") or []),
        "expect_words": list(item.get("expect_words") or []),
        "forbid_figures": list(item.get("forbid_figures") or []),
        "expect_footnotes": list(item.get("expect_footnotes") or []),
        "expect_pages": list(item.get("expect_pages") or []),
        "expect_refusal": bool(item.get("expect_refusal", False)),
        "split": str(item.get("split") or ""),
        "category": str(item.get("category") or item.get("kind") or ""),
        "expect_doc": str(item["expect_doc"]) if item.get("expect_doc") else None,
    }

"""The command line: `klastry ...` (console script) or, the same commands, `python -m assistant ...`.

    klastry ask "question" [--json] [--k N] [--history Q ...] [--doc NAME ...] [--store DIR] [--llm]
    klastry ask                      an interactive chat: follow-ups use the conversation; exit or Ctrl-D leaves
    klastry draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx|FOLDER] [--json] [--llm] [--candidates]
                  [--pick 3,5,9] [--max-chars N]
    klastry sources [--json]         the indexed documents and the bibliography
    klastry settings [--example]     the settings in effect, or every setting with its meaning (TOML)
    klastry ingest ...               = python -m ingest ...
    klastry eval ...                 = python -m eval ...
    klastry chat ...                 = python ui.py ... (the web chat)
    klastry --version

Exit codes of `ask` and `draft`: see EXIT_CODES.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from typing import Callable

from assistant.errors import KlastryError

EXIT_CODES = """exit codes (ask, draft):
  0    a sure answer (`outcome: "sure"`) / drafted
  1    refused: the report does not say (`outcome: "refused"`, `refused: true`; a draft writes no file)
  3    ask: a passage to check (`outcome: "check"`): the closest the report comes, not a sure answer
  2    bad input, a bad setting or no usable store (one line `error: ...` on stderr)
  130  interrupted (Ctrl-C); 141 the reader of the output went away (`| head`)"""

OUTCOME_EXIT = {"sure": 0, "refused": 1, "check": 3}  # by Outcome (a StrEnum): EXIT_CODES
MAX_K = 50  # as Settings.top_k
DELEGATED = {"ingest": "index corpus/ into the store (= python -m ingest)",
             "eval": "evaluate on the question sets (= python -m eval)",
             "chat": "start the web chat on http://127.0.0.1:7860 (= python ui.py)"}
LEAVE = {"exit", "quit", "koniec", ":q"}


def build_parser(prog: str = "python -m assistant") -> argparse.ArgumentParser:
    from assistant import __version__
    from assistant.drafts.command import add_draft_arguments

    parser = argparse.ArgumentParser(prog=prog, description="Cited answers and grant drafts from the report "
                                     "\"Klastry przemysłowe w Polsce\".", epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"klastry {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ask = commands.add_parser("ask", help="answer a question with citations (no question: an interactive chat)",
                              epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ask.add_argument("question", nargs="?", help="the question; leave it out for an interactive chat")
    ask.add_argument("--json", action="store_true", help="print the answer object (docs/contracts.md)")
    ask.add_argument("--k", type=int, help=f"number of retrieved passages, 1-{MAX_K} (default KLASTRY_TOP_K or 6)")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeatable), for follow-ups")
    ask.add_argument("--doc", action="append", default=[], metavar="NAME",
                     help="answer from this document only (repeatable): raport (the report), all, or a name "
                          "`klastry sources` lists; default: the report first, then the other documents")
    ask.add_argument("--store", help="store folder (default .store/)")
    ask.add_argument("--llm", action="store_true",
                     help="answer with the configured LLM (KLASTRY_LLM_BACKEND etc.), every figure checked against "
                          "its source")
    draft = commands.add_parser("draft", help="draft a grant justification with cited figures", epilog=EXIT_CODES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_draft_arguments(draft)
    sources = commands.add_parser("sources", help="list the indexed documents and the bibliography")
    sources.add_argument("--json", action="store_true", help="print {documents, sources} as JSON")
    sources.add_argument("--store", help="store folder (default .store/)")
    settings = commands.add_parser("settings", help="print the settings in effect as TOML (--example: the "
                                   "commented example file, klastry.toml.example)")
    settings.add_argument("--example", action="store_true", help="every setting with its meaning and default")
    for name, text in DELEGATED.items():  # parsed by their own programs; listed here for --help
        commands.add_parser(name, help=text, add_help=False)
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m assistant") -> int:
    """Run one command; returns its exit code (EXIT_CODES). `| head` and Ctrl-C end it without a traceback."""
    return guarded(lambda: _main(list(sys.argv[1:] if argv is None else argv), prog))


def _main(argv: list[str], prog: str) -> int:
    if argv and argv[0] in DELEGATED:
        return _delegate(argv[0], argv[1:], prog)
    args = build_parser(prog).parse_args(argv)
    if args.command == "draft":
        from assistant.drafts.command import draft_command

        return draft_command(args)
    if args.command == "sources":
        return sources_command(args)
    if args.command == "settings":
        return settings_command(args)
    if args.k is not None and not 1 <= args.k <= MAX_K:
        return _error(f"--k must be between 1 and {MAX_K} (got {args.k})")
    try:
        assistant = _load(args)
        if args.question is None:
            return interactive(assistant, args)
        answer = _answer(assistant, args.question, args.history, args)
    except KlastryError as error:
        return _error(error)
    _show(answer, args)
    return OUTCOME_EXIT[answer.outcome]


def _load(args):
    from assistant.answer.assistant import Assistant
    from assistant.settings import Settings

    return Assistant.load(Settings.load(store_dir=args.store))


def _answer(assistant, question: str, history: list[str], args):
    if args.llm:
        return _stream_llm(assistant, question, history, args)
    docs = getattr(args, "doc", None)
    return assistant.ask(question, history=history, k=args.k, **({"docs": docs} if docs else {}))


def _show(answer, args, lines: bool = False) -> None:
    """Print an answer: its text and sources, or (--json) the answer object; `lines`: one JSON object a line."""
    from assistant.answer.citations import format_sources, other_value_line

    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=None if lines else 1))
        return
    if not args.llm:  # the LLM path printed its accepted (or fallback) text already
        print(answer.answer)
    if answer.outcome == "check" and answer.missing:  # what the passage to check does not mention
        print(answer.missing)
    for value in answer.other_values:  # another document's figure: under the answer, never instead of it
        print(other_value_line(value, answer.language))
    if answer.citations:
        print()
        print(format_sources(answer.citations, answer.language))
    if answer.refused and answer.missing:
        print(answer.missing)
    if answer.refused and answer.see_also:
        print()
        print(format_sources(answer.see_also, answer.language, see_also=True))


def _stream_llm(assistant, question: str, history: list[str], args):
    """The LLM answer, printed only once the grounding check has accepted or replaced it: a reader never
    sees text from an answer the product rejected. Returns the final Answer."""
    stream = assistant.answer(question, history=history, k=args.k, stream=True, llm=True,
                              docs=getattr(args, "doc", None) or None)
    answer = stream.answer
    if not args.json:
        if answer.mode == "llm" and answer.outcome == "check":  # the model's text: the notice goes first
            from assistant.strings import message

            print(message("framing_check", answer.language))
        print(answer.answer)
        if answer.mode != "llm" and answer.grounding is not None and answer.grounding.reason:
            print(f"[{answer.mode}: {answer.grounding.reason}]", file=sys.stderr)
    return answer


def interactive(assistant, args) -> int:
    """`klastry ask` without a question: read questions until `exit` or end of input, keeping the
    conversation so that follow-ups ("A ile z nich ma status KKK?") work. A bad question is one
    `error:` line and the chat goes on. Fed from a file or pipe, each answer is preceded by its
    `> question` line (with --json: one answer object a line, JSON Lines)."""
    from assistant.strings import message

    history = list(args.history)
    tty = sys.stdin.isatty()
    if hasattr(sys.stdin, "reconfigure"):  # a line that is not UTF-8 gets one `error:` line, not a traceback
        sys.stdin.reconfigure(errors="surrogateescape")
    if tty:
        try:
            import readline  # noqa: F401  (arrow keys and line editing for input())
        except ImportError:
            pass
    print(message("chat_intro", "pl"), file=sys.stderr, flush=True)
    while True:
        try:
            line = input("> " if tty else "")
        except EOFError:
            if tty:
                print(file=sys.stderr)
            return 0
        question = line.strip()
        if not question:
            continue
        if question.lower() in LEAVE:
            return 0
        if not tty and not args.json:
            print(f"> {_printable(question)}")
        try:
            answer = _answer(assistant, question, history, args)
        except KlastryError as error:
            sys.stdout.flush()
            _error(error)
            continue
        _show(answer, args, lines=True)
        if not args.json:
            print()
        sys.stdout.flush()
        history.append(question)


def _printable(text: str) -> str:
    """An echoed line with bytes that were not UTF-8 and control characters (escape sequences) shown as �."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("\ufffd" if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch for ch in text)


def sources_command(args) -> int:
    from assistant.settings import Settings
    from assistant.sources import format_listing, load_sources

    try:
        listing = load_sources(Settings.load(store_dir=args.store))
    except KlastryError as error:
        return _error(error)
    print(json.dumps(listing, ensure_ascii=False, indent=1) if args.json else format_listing(listing))
    return 0


def settings_command(args) -> int:
    if args.example:
        print(settings_toml(), end="")
        return 0
    from assistant.settings import Settings

    try:
        current = Settings.load()
    except KlastryError as error:
        return _error(error)
    print(settings_toml(current), end="")
    return 0


EXAMPLE_HEAD = """\
# klastry.toml: every setting of the Klastry assistant, with its meaning and default.
# Generated by `klastry settings --example` from assistant/settings.py (tests/test_newcomer.py keeps it in step).
#
# Copy it to klastry.toml in the folder you run the commands from (or name any file with KLASTRY_CONFIG=path)
# and uncomment what you change. Keys are the lowercase field names; the answer thresholds go in the [answer]
# table. An environment variable KLASTRY_<NAME> (KLASTRY_TOP_K=8; nested: KLASTRY_ANSWER__MODEL=off) overrides
# the file. A relative path is read from the working directory; the default paths are in the project folder.
# An unknown key or KLASTRY_* name, or a value of the wrong type, stops the command with one line naming it.
# Not settings: KLASTRY_CONFIG (this file's name) and KLASTRY_UI_USERS (the web chat's logins, user:password,...).
"""


def settings_toml(settings=None) -> str:
    """Every field of `Settings` (and its `[answer]` table) as TOML with its description as a comment:
    commented-out defaults (the example file), or with `settings` the values in effect."""
    from assistant.settings import AnswerSettings, Settings

    def block(model, values) -> list[str]:
        lines = []
        for name, field in model.model_fields.items():
            if isinstance(field.default_factory, type) and issubclass(field.default_factory, AnswerSettings):
                continue
            limits = ", ".join(f"{op} {getattr(m, attr)}" for m in field.metadata
                               for attr, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
                               if getattr(m, attr, None) is not None)
            env = f"KLASTRY_{'ANSWER__' if model is AnswerSettings else ''}{name.upper()}"
            meaning = f"{field.description}" + (f" ({limits})" if limits else "") + f"; env {env}"
            lines += textwrap.wrap(meaning, width=110, initial_indent="# ", subsequent_indent="#   ",
                                   break_on_hyphens=False)
            value = getattr(values, name) if values is not None else field.default
            shown = _toml_value(value, relative=values is None)
            lines.append(("" if values is not None else "# ") + f"{name} = {shown}")
            lines.append("")
        return lines

    if settings is None:
        head = EXAMPLE_HEAD
    else:
        from assistant.settings import config_path

        path = config_path()
        head = ("# the settings in effect (`klastry settings`): KLASTRY_* variables, then "
                + (f"the config file {path}" if path else "no config file (no klastry.toml here, no KLASTRY_CONFIG)")
                + ", then the defaults\n")
    lines = block(Settings, settings)
    lines += ["# " + Settings.model_fields["answer"].description, "[answer]"]
    lines += block(AnswerSettings, settings.answer if settings is not None else None)
    return head + "\n" + "\n".join(lines).rstrip() + "\n"


def _toml_value(value, relative: bool = False) -> str:
    from pathlib import Path

    from assistant.settings import PROJECT_ROOT

    if isinstance(value, Path):
        value = value.relative_to(PROJECT_ROOT).as_posix() if relative and value.is_relative_to(PROJECT_ROOT) else value
    if value is None:  # TOML has no null: an optional setting left to its default is the empty string
        return '""'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _delegate(name: str, argv: list[str], prog: str) -> int:
    """`klastry ingest|eval|chat`: hand over to the program built on the library. They are looked up by
    name at run time: the library (assistant/) never imports ingest/, eval/ or ui (docs/architecture.md)."""
    from importlib import import_module

    if name == "chat":
        return import_module("ui").main(argv)
    return import_module(f"{name}.__main__").main(argv, prog=f"{prog} {name}")


def _error(error: object) -> int:
    print(f"error: {error}", file=sys.stderr)
    return 2


def guarded(command: Callable[[], int]) -> int:
    """Run a command's main so that `| head` and Ctrl-C end it quietly: no traceback, one exit code.

    A reader that closes the pipe early (BrokenPipeError) exits 141 (128 + SIGPIPE, as a shell tool
    killed by SIGPIPE would), Ctrl-C exits 130."""
    try:
        try:
            return command()
        finally:  # also after --help / --version (SystemExit): a pipe closed early shows up here, not at exit
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not raise a second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run() -> int:
    """The `klastry` console script."""
    return main(prog="klastry")

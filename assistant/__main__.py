"""`python -m assistant ask "question" [--json] [--k N] [--history Q ...]`
`python -m assistant draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx] [--json]`"""

from __future__ import annotations

import argparse
import json
import sys

from .citations import format_sources
from .errors import QuestionError
from .settings import Settings
from .store import StoreError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Ask the report a question.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer object (DESIGN.md contract)")
    ask.add_argument("--k", type=int, help="number of retrieved passages (default KLASTRY_TOP_K or 6)")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeatable), for follow-ups")
    ask.add_argument("--store", help="store folder (default .store/)")
    ask.add_argument("--llm", action="store_true",
                     help="answer with the configured LLM (KLASTRY_LLM_BACKEND etc.), every figure checked against its source")
    from .draft_export import add_draft_arguments

    draft = commands.add_parser("draft", help="draft a grant justification with cited figures")
    add_draft_arguments(draft)
    args = parser.parse_args(argv)
    if args.command == "draft":
        from .draft import draft_command

        return draft_command(args)
    try:
        from .core import Assistant

        assistant = Assistant.load(Settings.load(store_dir=args.store))
        if args.llm:
            answer = _stream_llm(assistant, args)
        else:
            answer = assistant.ask(args.question, history=args.history, k=args.k)
    except (StoreError, QuestionError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
        return 0
    if not args.llm:
        print(answer.answer)
    if answer.citations:
        print()
        print(format_sources(answer.citations, answer.language))
    if answer.refused and answer.see_also:
        print()
        print("Zobacz też (to nie jest odpowiedź):" if answer.language != "en" else "See also (not an answer):")
        for c in answer.see_also:
            print(f"  - s. {c.page}, {c.section}: {c.quote[:160]}")
    return 0


def _stream_llm(assistant, args):
    """Print checked text pieces as they arrive (not with --json); return the final Answer."""
    answer = None
    for item in assistant.answer(args.question, history=args.history, stream=True, llm=True):
        if isinstance(item, str):
            if not args.json:
                print(item, end="", flush=True)
        else:
            answer = item
    if not args.json:
        print()
        if answer is not None and answer.mode != "llm" and answer.grounding:
            print(f"[{answer.mode}: {answer.grounding.get('reason', '')}]", file=sys.stderr)
    return answer


if __name__ == "__main__":
    sys.exit(main())

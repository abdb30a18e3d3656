"""`python -m assistant ask "question" [--json] [--k N] [--history Q ...]`
`python -m assistant draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx] [--json]`"""

from __future__ import annotations

import argparse
import json
import sys

from assistant.answer.citations import format_sources
from assistant.errors import KlastryError
from assistant.settings import Settings
from assistant.strings import message


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
    from assistant.drafts.command import add_draft_arguments

    draft = commands.add_parser("draft", help="draft a grant justification with cited figures")
    add_draft_arguments(draft)
    args = parser.parse_args(argv)
    if args.command == "draft":
        from assistant.drafts.command import draft_command

        return draft_command(args)
    try:
        from assistant.answer.assistant import Assistant

        assistant = Assistant.load(Settings.load(store_dir=args.store))
        if args.llm:
            answer = _stream_llm(assistant, args)
        else:
            answer = assistant.ask(args.question, history=args.history, k=args.k)
    except (KlastryError, ValueError) as error:
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
        print(message("see_also", answer.language))
        for c in answer.see_also:
            print(f"  - s. {c.page}, {c.section}: {c.quote[:160]}")
    return 0


def _stream_llm(assistant, args):
    """The LLM answer, printed only once the grounding check has accepted or replaced it: a reader never
    sees text from an answer the product rejected. Returns the final Answer."""
    stream = assistant.answer(args.question, history=args.history, stream=True, llm=True)
    answer = stream.answer
    if not args.json:
        print(answer.answer)
        if answer.mode != "llm" and answer.grounding is not None and answer.grounding.reason:
            print(f"[{answer.mode}: {answer.grounding.reason}]", file=sys.stderr)
    return answer

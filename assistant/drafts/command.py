"""`python -m assistant draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx] [--json] [--llm]`.

`add_draft_arguments` is light (argparse only), so building the CLI parser does not import the drafter.
"""

from __future__ import annotations

import json
import sys


def add_draft_arguments(parser) -> None:
    """The `draft` subcommand's arguments, for `python -m assistant`."""
    parser.add_argument("topic", help="the project topic, in Polish or English (at most 500 characters)")
    parser.add_argument("--lang", choices=["pl", "en"], default="pl", help="language of the draft's framing (quotes stay Polish)")
    parser.add_argument("--out", help="also write the draft to FILE.md or FILE.docx")
    parser.add_argument("--json", action="store_true", help="print the draft object instead of Markdown")
    parser.add_argument("--store", help="store folder (default .store/)")
    parser.add_argument("--llm", action="store_true",
                        help="rewrite the prose with the configured LLM (KLASTRY_LLM_*); figures pass the grounding check")


def draft_command(args, assistant=None) -> int:
    """`python -m assistant draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx] [--json]`.

    Exit codes: 0 drafted, 1 refused (the report has no data on the topic; no file written),
    2 bad input, unwritable output or missing store (one line `error: ...` on stderr)."""
    from assistant.drafts.compose import draft_justification
    from assistant.drafts.export import check_output_path, to_markdown, write_draft
    from assistant.drafts.model import DraftInputError, DraftOutputError, validate_topic
    from assistant.errors import LLMConfigError
    from assistant.index.store import StoreError

    try:
        lang = getattr(args, "lang", None) or "pl"
        topic = validate_topic(args.topic, lang)
        if getattr(args, "out", None):
            check_output_path(args.out)
        if assistant is None:
            from assistant.answer.assistant import Assistant
            from assistant.settings import Settings

            assistant = Assistant.load(Settings.load(store_dir=getattr(args, "store", None)))
        draft = draft_justification(assistant, topic, lang, llm=True if getattr(args, "llm", False) else None)
        if getattr(args, "out", None) and not draft.refused:
            write_draft(draft, args.out)
    except (DraftInputError, DraftOutputError, StoreError, LLMConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(draft.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(to_markdown(draft))
    return 1 if draft.refused else 0

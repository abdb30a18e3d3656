"""`klastry draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx] [--json] [--llm]` (or `python -m assistant draft`).

`add_draft_arguments` is light (argparse only), so building the CLI parser does not import the drafter.
"""

from __future__ import annotations

import json
import sys


def add_draft_arguments(parser) -> None:
    """The `draft` subcommand's arguments, for `python -m assistant`."""
    parser.add_argument("topic", help="the project topic, in Polish or English (at most 500 characters)")
    parser.add_argument("--lang", choices=["pl", "en"], default=None,
                        help="language of the draft's framing (quotes stay Polish); default: the topic's language")
    parser.add_argument("--out", help="write the draft to FILE.md or FILE.docx and print `saved to FILE` "
                                      "(with --json the JSON is printed instead)")
    parser.add_argument("--json", action="store_true", help="print the draft object instead of Markdown")
    parser.add_argument("--store", help="store folder (default .store/)")
    parser.add_argument("--llm", action="store_true",
                        help="rewrite the prose with the configured LLM (KLASTRY_LLM_*); figures pass the grounding "
                             "check")


def draft_command(args, assistant=None) -> int:
    """`python -m assistant draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx] [--json]`.

    Without --lang the draft is in the language the instruction asks for, else the topic's (`draft_language`).
    With --out the draft is written there and one line `saved to FILE` is printed (the JSON with --json); a
    refused draft prints its refusal and writes nothing.

    Exit codes (as `ask`): 0 drafted, 1 refused (the report has no data on the topic; no file written),
    2 bad input, unwritable output or missing store (one line `error: ...` on stderr)."""
    from assistant.drafts.compose import draft_justification
    from assistant.drafts.export import check_output_path, to_markdown, write_draft
    from assistant.drafts.model import DraftInputError, DraftOutputError, validate_topic
    from assistant.errors import KlastryError

    out = getattr(args, "out", None)
    try:
        lang = getattr(args, "lang", None)
        topic = validate_topic(args.topic, lang or "pl")  # the language: --lang, else what the topic asks or is in
        if out:
            check_output_path(out)
        if assistant is None:
            from assistant.answer.assistant import Assistant
            from assistant.settings import Settings

            assistant = Assistant.load(Settings.load(store_dir=getattr(args, "store", None)))
        draft = draft_justification(assistant, topic, lang, llm=True if getattr(args, "llm", False) else None)
        written = write_draft(draft, out) if out and not draft.refused else None
    except (DraftInputError, DraftOutputError, KlastryError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(draft.to_dict(), ensure_ascii=False, indent=1))
    elif written is not None:
        print(f"saved to {written}")
    else:
        print(to_markdown(draft))
    return 1 if draft.refused else 0


def draft_language(topic: str) -> str:
    """"pl" or "en": the language a topic is written in (assistant.drafts.topic.draft_language)."""
    from assistant.drafts.topic import draft_language as language

    return language(topic)

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

    Without --lang the draft is in the topic's language (`draft_language`). With --out the draft is
    written there and one line `saved to FILE` is printed (the JSON with --json); a refused draft
    prints its refusal and writes nothing.

    Exit codes (as `ask`): 0 drafted, 1 refused (the report has no data on the topic; no file written),
    2 bad input, unwritable output or missing store (one line `error: ...` on stderr)."""
    from assistant.drafts.compose import draft_justification
    from assistant.drafts.export import check_output_path, to_markdown, write_draft
    from assistant.drafts.model import DraftInputError, DraftOutputError, validate_topic
    from assistant.errors import KlastryError

    out = getattr(args, "out", None)
    try:
        lang = getattr(args, "lang", None)
        topic = validate_topic(args.topic, lang or "pl")
        lang = lang or draft_language(topic)
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
    """"pl" or "en": the language the topic is written in ("alpaca farming" -> en, "hodowla alpak" -> pl).

    Polish letters decide at once; otherwise simplemma's word lists for Polish and English (the ones the
    lemmatizer already loads), and for a topic neither knows (acronyms) the question detector; Polish
    when still undecided."""
    from assistant.answer.language import POLISH_CHARS, detect_language

    if any(ch in POLISH_CHARS for ch in topic):
        return "pl"
    import simplemma

    from assistant.lemmas import _SIMPLEMMA_LOCK

    with _SIMPLEMMA_LOCK:
        scores = dict(simplemma.langdetect(topic, lang=("pl", "en")))
    pl, en = scores.get("pl", 0.0), scores.get("en", 0.0)
    if pl != en:
        return "pl" if pl > en else "en"
    return "en" if detect_language(topic) == "en" else "pl"

"""`klastry draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx|FOLDER] [--json] [--llm] [--candidates]
[--pick 3,5,9] [--max-chars N]` (or `python -m assistant draft`).

`--candidates` lists the quotes the draft may use, numbered, ticked or not; `--pick` builds the draft from
the numbers chosen, as the web tab's check boxes do.

`add_draft_arguments` is light (argparse only), so building the CLI parser does not import the drafter.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_draft_arguments(parser) -> None:
    """The `draft` subcommand's arguments, for `python -m assistant`."""
    parser.add_argument("topic", help="the project topic, in Polish or English (at most 500 characters)")
    parser.add_argument("--lang", choices=["pl", "en"], default=None,
                        help="language of the draft's framing (quotes stay Polish); default: the topic's language")
    parser.add_argument("--out", help="write the draft to FILE.md or FILE.docx and print `saved to FILE` "
                                      "(with --json the JSON is printed instead); a FOLDER: a .docx named after "
                                      "the subject and the date there")
    parser.add_argument("--json", action="store_true", help="print the draft object instead of Markdown")
    parser.add_argument("--store", help="store folder (default .store/)")
    parser.add_argument("--candidates", action="store_true",
                        help="list the numbered quotes the draft may use ([x] ticked by default, ? to check, "
                             "⚠ damaged text) with their figures and pages, and draft nothing")
    parser.add_argument("--pick", metavar="3,5,9",
                        help="build the draft from these candidates (numbers from --candidates) instead of the "
                             "ticked ones")
    parser.add_argument("--max-chars", metavar="N|need=N,policy=N,data=N",
                        help="length limit per section in characters with spaces (application forms): a section "
                             "over it loses whole quotes from its end and says so")
    parser.add_argument("--llm", action="store_true",
                        help="rewrite the prose with the configured LLM (KLASTRY_LLM_*); figures pass the grounding "
                             "check")


def draft_command(args, assistant=None) -> int:
    """`python -m assistant draft "topic" [--lang pl|en] [--out FILE.md|FILE.docx|FOLDER] [--json] [--candidates]
    [--pick 3,5,9] [--max-chars N]`.

    Without --lang the draft is in the language the instruction asks for, else the topic's (`draft_language`).
    With --out the draft is written there and one line `saved to FILE` is printed (the JSON with --json); a
    refused draft prints its refusal and writes nothing. With --candidates the numbered candidates are
    printed (their JSON with --json) and no draft is written.

    Exit codes (as `ask`): 0 drafted, 1 refused (the report has no data on the topic; no file written),
    2 bad input (a --pick number not listed), unwritable output or missing store (one line `error: ...`)."""
    from assistant.drafts.compose import draft_justification
    from assistant.drafts.export import check_output_path, draft_filename, to_markdown, write_draft
    from assistant.drafts.length import parse_limits
    from assistant.drafts.model import DraftInputError, DraftOutputError, validate_topic
    from assistant.errors import KlastryError

    out = getattr(args, "out", None)
    try:
        lang = getattr(args, "lang", None)
        topic = validate_topic(args.topic, lang or "pl")  # the language: --lang, else what the topic asks or is in
        limits = parse_limits(getattr(args, "max_chars", None))
        numbers = parse_pick(getattr(args, "pick", None))
        folder = out and Path(out).is_dir()
        if out and not folder:
            check_output_path(out)
        if assistant is None:
            from assistant.answer.assistant import Assistant
            from assistant.settings import Settings

            assistant = Assistant.load(Settings.load(store_dir=getattr(args, "store", None)))
        llm = True if getattr(args, "llm", False) else None
        draft = draft_justification(assistant, topic, lang, llm=False if numbers or args_candidates(args) else llm,
                                    max_chars=limits)
        if numbers and draft.candidates:  # a draft refused for want of sure evidence can still be picked from
            draft = draft_justification(assistant, topic, lang, llm=llm, max_chars=limits,
                                        chosen=picked_ids(draft.candidates, numbers))
        if args_candidates(args):
            return _print_candidates(draft, getattr(args, "json", False))
        if folder:
            out = str(Path(out) / draft_filename(draft))
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
    for cut in draft.shortened:
        print(f"note: section {cut.section} cut to {cut.limit} characters at sentence ends ({cut.dropped} left out)",
              file=sys.stderr)
    return 1 if draft.refused else 0


def args_candidates(args) -> bool:
    return bool(getattr(args, "candidates", False))


def parse_pick(text: str | None) -> list[int]:
    """[3, 5, 9] from "3,5,9" (spaces allowed); DraftInputError for anything else."""
    from assistant.drafts.model import DraftInputError

    if not text:
        return []
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise DraftInputError(f"cannot read --pick {text!r}: give candidate numbers from --candidates, e.g. 3,5,9")
    return list(dict.fromkeys(int(p) for p in parts))


def picked_ids(candidates, numbers: list[int]) -> list[str]:
    """The ids of the numbered candidates; DraftInputError naming a number the list does not have."""
    from assistant.drafts.model import DraftInputError

    by_number = {c.number: c.id for c in candidates}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise DraftInputError(f"--pick {missing[0]}: there are {len(candidates)} candidates (see --candidates)")
    return [by_number[n] for n in numbers]


def candidate_lines(draft) -> list[str]:
    """One line per candidate: number, [x] ticked / [ ] not / [?] to check, ⚠ damaged, page, part, figures, quote."""
    from assistant.drafts.tables import WORDS

    words = WORDS[draft.language]
    lines = []
    for candidate in draft.candidates:
        mark = "x" if candidate.id in draft.chosen else ("?" if candidate.check else " ")
        flags = (f" ⚠ {candidate.damage!r}" if candidate.damage else "") + (f" ({words.to_check})"
                                                                          if candidate.check else "")
        figures = "; ".join(candidate.figures) or "—"
        quote = " ".join(candidate.quote.split())
        lines.append(f"{candidate.number:>3}. [{mark}]{flags} {words.page} {candidate.page} · {candidate.part} · "
                     f"{figures} · „{quote}”")
    return lines


def _print_candidates(draft, as_json: bool) -> int:
    if as_json:
        from dataclasses import asdict

        print(json.dumps({"topic": draft.topic, "subject": draft.subject, "language": draft.language,
                          "refused": draft.refused, "chosen": draft.chosen,
                          "candidates": [asdict(c) for c in draft.candidates]}, ensure_ascii=False, indent=1))
    else:
        print("\n".join(candidate_lines(draft) + ([draft.message] if draft.refused else [])))
    return 1 if draft.refused else 0


def draft_language(topic: str) -> str:
    """"pl" or "en": the language a topic is written in (assistant.drafts.topic.draft_language)."""
    from assistant.drafts.topic import draft_language as language

    return language(topic)

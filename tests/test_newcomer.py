"""What a newcomer with only the README meets: the example settings file, the README's commands and
links, and their own document added to the corpus (answers name it, not "the report")."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest

from assistant.cli import build_parser, main, settings_toml
from assistant.settings import AnswerSettings, Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "klastry.toml.example"
MEMO = "Nasz klaster Dolina Alpak zrzesza 42 hodowców alpak z Podkarpacia.\n\n" \
       "W 2025 roku klaster Dolina Alpak zorganizował 7 targów wełny alpaki.\n"


def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("KLASTRY_"):
            monkeypatch.delenv(name)


# --- klastry.toml.example --------------------------------------------------------------------------

def test_example_file_is_generated_from_the_settings():
    assert EXAMPLE.read_text(encoding="utf-8") == settings_toml(), \
        "regenerate it: .venv/bin/klastry settings --example > klastry.toml.example"


def test_example_lists_every_setting_with_its_meaning():
    text = EXAMPLE.read_text(encoding="utf-8")
    top, _, answer = text.partition("\n[answer]\n")
    assert answer, "the nested settings go in an [answer] table"
    for part, model in ((top, Settings), (answer, AnswerSettings)):
        for name, field in model.model_fields.items():
            if name == "answer":
                continue
            assert re.search(rf"^# {name} = ", part, re.M), name
            comments = " ".join(line[1:].strip() for line in part.splitlines() if line.startswith("#"))
            assert field.description and field.description in comments, name
    for name in ("collection", "max_question_chars", "feedback_file"):
        assert f"# {name} = " in top


def test_example_loads_as_is_and_uncommented(tmp_path, monkeypatch):
    clean_env(monkeypatch)
    monkeypatch.chdir(ROOT)  # the example's relative paths are the defaults seen from the project folder
    monkeypatch.setenv("KLASTRY_CONFIG", str(EXAMPLE))
    assert Settings.load() == Settings()
    uncommented = re.sub(r"^# (\w+ = )", r"\1", EXAMPLE.read_text(encoding="utf-8"), flags=re.M)
    assert tomllib.loads(uncommented)["answer"]["model"] == ""
    path = tmp_path / "klastry.toml"
    path.write_text(uncommented, encoding="utf-8")
    monkeypatch.setenv("KLASTRY_CONFIG", str(path))
    loaded, default = Settings.load(), Settings()
    for name in Settings.model_fields:
        value, expected = getattr(loaded, name), getattr(default, name)
        if isinstance(expected, Path):
            value, expected = value.resolve(), expected.resolve()
        assert value == expected, name


def test_settings_command_prints_the_values_in_effect(monkeypatch, capsys):
    clean_env(monkeypatch)
    monkeypatch.setenv("KLASTRY_TOP_K", "9")
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^top_k = 9$", out, re.M) and "\n[answer]\n" in out
    monkeypatch.setenv("KLASTRY_TOPK", "9")
    assert main(["settings"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown setting KLASTRY_TOPK")


# --- the README -----------------------------------------------------------------------------------

def test_readme_documents_every_setting_and_the_file_format():
    for name in Settings.model_fields:
        if name == "answer":
            continue
        assert f"KLASTRY_{name.upper()}" in README or name.startswith("llm_") and "KLASTRY_LLM_*" in README, name
    for name in AnswerSettings.model_fields:
        assert f"__{name.upper()}" in README, name
    assert "lowercase field" in README and "`[answer]`" in README and "klastry.toml.example" in README


def test_readme_links_exist():
    for target in re.findall(r"\]\(([^)#:]+)\)", README):
        assert (ROOT / target).exists(), target


def readme_commands() -> list[list[str]]:
    """Every `klastry ...` / `python -m assistant|ingest|eval ...` line of the README's bash blocks, split."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words.pop(0)  # VAR=value before the command
            if not words or "&" in words:
                continue
            if words[0] == ".venv/bin/klastry":
                commands.append(["klastry", *words[1:]])
            elif words[:2] == [".venv/bin/python", "-m"] and words[2] in ("assistant", "ingest", "eval"):
                commands.append(words[2:])
    return commands


def test_readme_commands_parse():
    from eval.__main__ import build_parser as eval_parser
    from ingest.__main__ import build_parser as ingest_parser

    commands = readme_commands()
    assert sum(c[0] == "klastry" for c in commands) >= 8
    for program, *argv in commands:
        if program == "klastry" and argv and argv[0] in ("ingest", "eval"):
            program, argv = argv[0], argv[1:]
        parser = {"eval": eval_parser, "ingest": ingest_parser}.get(program, build_parser)()
        parser.parse_args(argv)  # an unknown option or command exits 2


# --- a newcomer's own document ------------------------------------------------------------------

@pytest.fixture
def with_memo(store_copy):
    from ingest.pipeline import run_ingest

    corpus, store = store_copy
    (corpus / "memo.md").write_text(MEMO, encoding="utf-8")
    run_ingest(Settings.load(corpus_dir=corpus, store_dir=store))
    return corpus, store


def test_answers_from_an_own_document_name_it(with_memo, capsys, monkeypatch):
    from assistant import Assistant

    corpus, store = with_memo
    monkeypatch.setenv("KLASTRY_ANSWER__SURE_ABOVE", "0")  # sure answers: their framing names the source
    assistant = Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store))
    answer = assistant.ask("Ilu hodowców alpak zrzesza klaster Dolina Alpak?")
    assert not answer.refused and {c.doc for c in answer.citations} == {"memo.md"}
    assert answer.answer.startswith("Według dokumentu memo.md: „") and "raportu" not in answer.answer
    report = assistant.ask("Ile klastrów ma status Krajowego Klastra Kluczowego?")
    assert report.answer.startswith("Według raportu: „")
    assert main(["ask", "Ilu hodowców alpak zrzesza klaster Dolina Alpak?", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Według dokumentu memo.md:") and "[1] memo, s. 1\n" in out  # no trailing ", "
    assert main(["sources", "--store", str(store)]) == 0
    listing = capsys.readouterr().out
    assert "raport-klastry.pdf  (the report;" in listing and "memo.md  (own document; 1 page, 1 chunk)" in listing
    monkeypatch.setenv("KLASTRY_ANSWER__SURE_ABOVE", "1")  # a passage to check names it too
    check = Assistant.load(Settings.load(corpus_dir=corpus, store_dir=store)).ask(
        "Ilu hodowców alpak zrzesza klaster Dolina Alpak?")
    assert check.answer.startswith("Najbliższy fragment dokumentu memo.md — sprawdź, czy odpowiada na pytanie: „")
    shutil.rmtree(store)

"""The command line as a user meets it: `klastry ...` (and `python -m assistant|ingest|eval`).

Pipes closed early, bad --k, one exit-code convention for ask and draft, draft language and --out,
the interactive chat (a real subprocess fed through stdin), `klastry sources`, the console script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from assistant.cli import main

ROOT = Path(__file__).resolve().parent.parent
KLASTRY = Path(sys.executable).parent / "klastry"
KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
OUT_OF_SCOPE = "Ile zarabia spawacz w Bawarii?"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
       "ANONYMIZED_TELEMETRY": "False", "PYTHONIOENCODING": "utf-8"}


def closed_pipe(argv: list[str], env: dict | None = None, timeout: int = 180) -> tuple[int, str]:
    """Run a command whose reader goes away at once (as `| head` does): (exit code, stderr)."""
    process = subprocess.Popen(argv, cwd=ROOT, env=env or ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err.decode("utf-8", "replace")


# --- 1. `... | head` ends quietly, for every command ------------------------------------------------

def test_closed_pipe_is_quiet_for_every_command(store_copy, tmp_path):
    corpus, store = store_copy  # a copy: `ingest` may publish a new generation
    questions = tmp_path / "q.yaml"
    questions.write_text(f'- id: q1\n  question: "{KKK}"\n  expect_figures: [["18"]]\n', encoding="utf-8")
    env = {**ENV, "KLASTRY_STORE_DIR": str(store), "KLASTRY_CORPUS_DIR": str(corpus)}
    commands = [
        [str(KLASTRY), "ask", KKK],
        [sys.executable, "-m", "assistant", "ask", "--json", KKK],
        [str(KLASTRY), "draft", "szkolenia i staże w klastrze ICT"],
        [str(KLASTRY), "sources", "--json"],
        [str(KLASTRY), "settings", "--example"],
        [str(KLASTRY), "--help"],
        [str(KLASTRY), "ingest", "--json"],
        [sys.executable, "-m", "ingest"],
        [str(KLASTRY), "eval", "run", "--questions", str(questions), "--report", str(tmp_path / "out"), "--json"],
    ]
    for argv in commands:
        code, err = closed_pipe(argv, env)
        assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, (argv, err)
        assert code == (0, 141)[argv[-1] != "--help"] or code == 141, (argv, code, err)  # argparse's help ignores it


def test_ask_piped_into_head_through_a_shell(built_store):
    _, store = built_store
    result = subprocess.run(["bash", "-c", f'set -o pipefail; "{KLASTRY}" ask --json --store "{store}" "{KKK}" '
                                           '| head -c 1; echo " status=$?"'],
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=180)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    # exit 0 (sure) or 3 (to check), or 141 when head stops reading first
    assert result.stdout.startswith("{") and result.stdout.strip().endswith(("status=0", "status=3", "status=141"))


# --- 2. --k, and one exit-code convention -----------------------------------------------------------

@pytest.mark.parametrize("k", ["0", "-3", "51"])
def test_ask_rejects_a_bad_k_in_one_line(k, capsys):
    assert main(["ask", "--k", k, KKK]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --k ") and err.count("\n") == 1 and f"got {k}" in err


@pytest.mark.parametrize("k", ["0", "-3"])
def test_eval_rejects_a_bad_k_in_one_line(k, capsys):
    from eval.__main__ import main as eval_main

    assert eval_main(["run", "--k", k]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --k ") and err.count("\n") == 1


def test_ask_exit_codes_sure_check_refused(built_store, capsys, monkeypatch):
    _, store = built_store
    code = main(["ask", KKK, "--json", "--store", str(store)])  # the levels `python -m eval train` chose
    assert code == {"sure": 0, "check": 3}[json.loads(capsys.readouterr().out)["outcome"]]
    monkeypatch.setenv("KLASTRY_ANSWER__SURE_ABOVE", "0")  # every answer the model lets through is sure
    assert main(["ask", KKK, "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Według raportu: „") and "18" in out
    monkeypatch.setenv("KLASTRY_ANSWER__SURE_ABOVE", "1")  # no answer is sure: the passage is shown to check
    assert main(["ask", KKK, "--store", str(store)]) == 3
    out = capsys.readouterr().out
    assert out.startswith("Najbliższy fragment raportu — sprawdź, czy odpowiada na pytanie: „") and "18" in out
    assert "s. 5" in out  # its sources, as for an answer
    assert main(["ask", KKK, "--json", "--store", str(store)]) == 3
    answer = json.loads(capsys.readouterr().out)
    assert answer["outcome"] == "check" and answer["refused"] is False
    assert main(["ask", OUT_OF_SCOPE, "--store", str(store)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Raport nie podaje tej informacji.") and "Zobacz też" in out
    assert main(["ask", OUT_OF_SCOPE, "--json", "--store", str(store)]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["refused"] is True and answer["outcome"] == "refused"


def test_exit_codes_are_in_the_help(capsys):
    for argv in (["--help"], ["ask", "--help"], ["draft", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "0    a sure answer" in out and "1    refused" in out and "2    bad input" in out
        assert "3    ask: a passage to check" in out


# --- 3. draft: the topic's language, --out prints where it went ------------------------------------

@pytest.mark.parametrize("topic, lang", [("alpaca farming", "en"), ("internationalisation and trade fairs", "en"),
                                         ("industrial robotics", "en"), ("hodowla alpak w Peru", "pl"),
                                         ("szkolenia i staże w klastrze ICT", "pl"), ("eksport", "pl"),
                                         ("B+R", "pl")])
def test_draft_language_follows_the_topic(topic, lang):
    from assistant.drafts.command import draft_language

    assert draft_language(topic) == lang


def draft_args(topic, **extra):
    return argparse.Namespace(topic=topic, lang=extra.get("lang"), out=extra.get("out"), json=extra.get("json", False),
                              store=None, llm=False)


def test_english_topic_without_lang_gives_an_english_draft(assistant, capsys):
    from assistant.drafts.command import draft_command

    assert draft_command(draft_args("alpaca farming"), assistant=assistant) == 1
    out = capsys.readouterr().out
    assert "The report contains no data on this topic." in out and "Raport" not in out
    assert draft_command(draft_args("internationalisation and trade fairs", json=True), assistant=assistant) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "en"
    assert draft_command(draft_args("internationalisation and trade fairs", lang="pl", json=True),
                         assistant=assistant) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "pl"  # --lang still decides


def test_draft_out_prints_one_saved_to_line(assistant, tmp_path, capsys):
    from assistant.drafts.command import draft_command

    target = tmp_path / "uzasadnienie.md"
    assert draft_command(draft_args("szkolenia i staże w klastrze ICT", out=str(target)), assistant=assistant) == 0
    out = capsys.readouterr().out
    assert out == f"saved to {target}\n" and target.read_text(encoding="utf-8").startswith("# ")
    target.unlink()
    assert draft_command(draft_args("szkolenia i staże w klastrze ICT", out=str(target), json=True),
                         assistant=assistant) == 0
    assert json.loads(capsys.readouterr().out)["refused"] is False and target.exists()
    refused = tmp_path / "alpaki.md"
    assert draft_command(draft_args("alpaca farming", out=str(refused)), assistant=assistant) == 1
    assert "saved to" not in capsys.readouterr().out and not refused.exists()


# --- 5. console script and `klastry sources` -------------------------------------------------------

def test_console_script_is_declared_and_installed():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["klastry"] == "assistant.cli:run"
    assert [e.value for e in entry_points(group="console_scripts", name="klastry")] == ["assistant.cli:run"]
    assert KLASTRY.exists(), "run `.venv/bin/pip install -e . --no-deps` to create the klastry script"


def test_version_and_help_from_the_console_script():
    import assistant

    version = subprocess.run([str(KLASTRY), "--version"], env=ENV, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f"klastry {assistant.__version__}"
    help_text = subprocess.run([str(KLASTRY), "--help"], env=ENV, capture_output=True, text=True, timeout=60).stdout
    for command in ("ask", "draft", "ingest", "eval", "chat", "sources", "settings"):
        assert f"    {command} " in help_text, command
    ingest_help = subprocess.run([str(KLASTRY), "ingest", "--help"], env=ENV, capture_output=True, text=True,
                                 timeout=60).stdout
    assert ingest_help.startswith("usage: klastry ingest") and "--rebuild" in ingest_help
    module = subprocess.run([sys.executable, "-m", "assistant", "--version"], cwd=ROOT, env=ENV, capture_output=True,
                            text=True, timeout=60)
    assert module.stdout.strip() == f"klastry {assistant.__version__}"


def test_chat_ingest_and_eval_are_delegated(monkeypatch):
    import eval.__main__ as eval_cli
    import ingest.__main__ as ingest_cli
    import ui

    calls = []
    monkeypatch.setattr(ui, "main", lambda argv=None: calls.append(("chat", argv)) or 0)
    monkeypatch.setattr(ingest_cli, "main", lambda argv=None, prog="": calls.append(("ingest", argv, prog)) or 0)
    monkeypatch.setattr(eval_cli, "main", lambda argv=None, prog="": calls.append(("eval", argv, prog)) or 1)
    assert main(["chat", "--port", "7861"], prog="klastry") == 0
    assert main(["ingest", "--strict"], prog="klastry") == 0
    assert main(["eval", "run"], prog="klastry") == 1
    assert calls == [("chat", ["--port", "7861"]), ("ingest", ["--strict"], "klastry ingest"),
                     ("eval", ["run"], "klastry eval")]


def test_sources_lists_documents_and_bibliography(built_store, capsys):
    _, store = built_store
    assert main(["sources", "--json", "--store", str(store)]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [d["doc"] for d in listing["documents"]] == ["raport-klastry.pdf"] and listing["documents"][0]["report"]
    assert listing["documents"][0]["pages"] == 22  # every page of the PDF, and which one was skipped and why
    assert listing["documents"][0]["skipped_pages"] == [[2, "table of contents"]]
    sources = listing["sources"]
    assert len(sources) > 30 and len({s["id"] for s in sources}) == len(sources)
    for source in sources:
        assert {"id", "reference", "footnotes", "full_text"} <= set(source) and source["full_text"] is None
        assert source["reference"] and source["footnotes"]
    assert sorted(n for s in sources for n in s["footnotes"]) == sorted(set(n for s in sources for n in s["footnotes"]))
    assert any((s["doi"] or "").startswith("10.1108/JM2-11-2012-0038") for s in sources)
    assert main(["sources", "--store", str(store)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("documents (1):")
    assert "raport-klastry.pdf  (the report; 22 pages (skipped p. 2: table of contents)" in text


def test_sources_without_a_store_is_one_line(tmp_path, capsys):
    assert main(["sources", "--store", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "ingest" in err


# --- 6. the interactive chat ---------------------------------------------------------------------

class RecordingAssistant:
    def __init__(self):
        self.calls = []

    def ask(self, question, history=None, k=None):
        from assistant.errors import QuestionError
        from assistant.types import Answer

        if question == "\x01":
            raise QuestionError("control characters")
        self.calls.append((question, list(history or [])))
        return Answer(question, "pl", f"odpowiedź {len(self.calls)}", False)


def test_interactive_keeps_the_history(monkeypatch, capsys):
    from assistant.cli import interactive

    fake = RecordingAssistant()
    lines = iter(["Ile klastrów działa w Polsce?", "", "\x01", "A ile z nich ma status KKK?", "exit", "never read"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    args = argparse.Namespace(history=[], json=False, llm=False, k=None)
    assert interactive(fake, args) == 0
    assert fake.calls == [("Ile klastrów działa w Polsce?", []),
                          ("A ile z nich ma status KKK?", ["Ile klastrów działa w Polsce?"])]
    out, err = capsys.readouterr()
    assert "odpowiedź 1" in out and "odpowiedź 2" in out and "error: control characters" in err


def test_interactive_chat_in_a_real_terminal_session(built_store, assistant):
    _, store = built_store
    first, follow_up = "Ile klastrów działa w Polsce?", "A w którym województwie?"
    expected = assistant.ask(follow_up, history=[first]).answer
    assert expected != assistant.ask(follow_up).answer  # the pair shows whether the history was used
    result = subprocess.run([str(KLASTRY), "ask", "--store", str(store)], input=f"{first}\n{follow_up}\n",
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=180)  # ends at EOF (Ctrl-D)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert f"> {first}\n" in result.stdout and f"> {follow_up}\n{expected}\n" in result.stdout
    lines = subprocess.run([str(KLASTRY), "ask", "--json", "--store", str(store)], input=f"{first}\nexit\n{KKK}\n",
                           cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=180)
    answers = [json.loads(line) for line in lines.stdout.splitlines()]
    assert lines.returncode == 0 and [a["question"] for a in answers] == [first]

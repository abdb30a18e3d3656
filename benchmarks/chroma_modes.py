"""Ask speed, embedded Chroma against a Chroma server, side by side in one process.

    .venv/bin/python benchmarks/chroma_modes.py --port 8000 [--host 127.0.0.1] [--questions 60] [--rounds 3]
                                                [--busy] [--json]

The server must hold the same index (`KLASTRY_CHROMA_HOST=... KLASTRY_CHROMA_PORT=... python -m ingest`).
Each question is asked of both assistants one after the other, so that the shared machine's noise
falls on both; p50/p95 are medians over rounds. `--busy`: beside one `while True: pass`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import busy_neighbour, percentile, questions  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from assistant import Assistant, Settings

    with tempfile.TemporaryDirectory() as replica:
        started = time.perf_counter()
        server = Assistant.load(Settings.load(chroma_host=args.host, chroma_port=args.port, store_dir=replica))
        server_load = time.perf_counter() - started
        started = time.perf_counter()
        embedded = Assistant.load(Settings.load())
        embedded_load = time.perf_counter() - started
        asked = questions(args.questions)
        times: dict[str, list[list[float]]] = {"embedded": [], "server": []}
        with busy_neighbour(args.busy):
            for question, history in asked[:5]:  # warm both
                embedded.ask(question, history=history)
                server.ask(question, history=history)
            for _ in range(args.rounds):
                rounds = {"embedded": [], "server": []}
                for question, history in asked:
                    for name, assistant in (("embedded", embedded), ("server", server)):
                        rounds[name].append(assistant.ask(question, history=history).latency_ms)
                for name in times:
                    times[name].append(rounds[name])
    result = {name: {"p50_ms": round(statistics.median(percentile(r, 0.5) for r in runs), 1),
                     "p95_ms": round(statistics.median(percentile(r, 0.95) for r in runs), 1)}
              for name, runs in times.items()}
    result["embedded"]["load_s"], result["server"]["load_s"] = round(embedded_load, 2), round(server_load, 2)
    result["questions"], result["rounds"], result["busy"] = len(asked), args.rounds, args.busy
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for name in ("embedded", "server"):
            r = result[name]
            print(f"{name:9} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  load {r['load_s']:.2f} s "
                  f"(first load of a replica includes copying the generation from the server)")
        print(f"{len(asked)} dev questions x {args.rounds} rounds{', beside a busy process' if args.busy else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

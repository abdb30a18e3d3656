"""Evaluation of the assistant: question file, harness, metrics, report and the LangChain baseline.

`python -m eval run --baseline` asks every question of eval/questions.yaml in-process and
writes eval/out/results.jsonl, eval/out/report.md and a self-contained eval/out/report.html.
"""

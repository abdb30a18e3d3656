"""The report-tuned encoder (issue 24): torch model, pairs, training, export; `python -m eval tune-encoder`."""

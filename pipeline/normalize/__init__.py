"""Normalization: reconcile mentions into the canonical record, document facts,
consistency flags and calibrated confidence (stage `normalize`)."""

from pipeline.normalize import stage  # noqa: F401  (registers the `normalize` stage)

"""Flags on synthetic disclosures whose inconsistencies the generator injected (and listed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _benchmark():
    spec = importlib.util.spec_from_file_location("normalize_flags", REPO / "benchmarks" / "normalize_flags.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_injected_inconsistencies_are_found_and_clean_documents_stay_clean():
    r = _benchmark().run(80, 7)
    injected = set(r["found"]) | set(r["missed"])
    assert {"parts_total_mismatch", "grade_score_mismatch"} <= injected  # the seed injects these
    for code in injected:
        total = r["found"][code] + r["missed"][code]
        assert r["found"][code] / total >= 0.9, (code, r["found"][code], total)
    assert r["clean"] >= 50
    assert r["false"] == []

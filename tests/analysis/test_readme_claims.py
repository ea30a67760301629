"""The README's example claims table is what the code prints on the shipped data."""

from __future__ import annotations

from pathlib import Path

from lwtbench.analysis.claims import evaluate_data, to_text

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_shows_the_claims_table_the_shipped_data_gives():
    table = to_text(evaluate_data(ROOT / "data")).rstrip("\n").splitlines()
    block = "\n".join("  " + line for line in table) + "\n\n  rates: "
    assert block in (ROOT / "README.md").read_text(encoding="utf-8")

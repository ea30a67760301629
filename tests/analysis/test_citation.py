"""CITATION.cff names the paper; licenses agree between CITATION.cff, LICENSE and pyproject."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

TOP = Path(__file__).resolve().parents[2]
SPDX = ("MIT", "GPL-2.0-only", "CC-BY-4.0")


def test_citation_names_the_paper_and_its_authors_in_order():
    cff = yaml.safe_load((TOP / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["authors"]
    paper = cff["preferred-citation"]
    assert [a["family-names"] for a in paper["authors"]] == [
        "Iurman",
        "Wansart",
        "Goffart",
        "Donnet",
    ]
    assert paper["year"] == 2025
    assert "arXiv:2503.14959" in {i["value"] for i in paper["identifiers"]}
    assert "Double-Reallocation" in paper["title"]


def test_licenses_agree_everywhere():
    cff = yaml.safe_load((TOP / "CITATION.cff").read_text())
    assert tuple(cff["license"]) == SPDX
    license_text = (TOP / "LICENSE").read_text()
    declared = tomllib.loads((TOP / "pyproject.toml").read_text())["project"]["license"]
    for spdx in SPDX:
        assert (TOP / "LICENSES" / f"{spdx}.txt").stat().st_size > 500
        assert spdx in license_text
        assert spdx in declared
    assert "patch/ GPL-2.0-only" in (TOP / "pyproject.toml").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in (TOP / "LICENSES" / "GPL-2.0-only.txt").read_text()
    assert "Attribution 4.0 International" in (TOP / "LICENSES" / "CC-BY-4.0.txt").read_text()

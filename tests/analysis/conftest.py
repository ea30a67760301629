"""Fixtures of the analysis tests: synthetic runs (invented numbers) under tmp_path only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis import synthetic


@pytest.fixture(scope="session")
def paper_like_data(tmp_path_factory) -> Path:
    """A data folder with rate runs (seg6, ioam6, ipv6) and a counting run (seg6)."""
    return synthetic.write_paper_like_data(tmp_path_factory.mktemp("data"))

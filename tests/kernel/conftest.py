"""Fixtures of the kernel tests: the touched files of Debian's 6.12.117, read from the tarball."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lwtbench.kernel.variants import DEBIAN_6_12, TOUCHED_FILES


@pytest.fixture(scope="session")
def debian_6_12_files(tmp_path_factory) -> Path:
    """A folder holding the touched files exactly as Debian's linux-source-6.12 ships them."""
    if not DEBIAN_6_12.tarball.is_file():
        pytest.skip(f"needs {DEBIAN_6_12.tarball} (apt-get install {DEBIAN_6_12.package})")
    dest = tmp_path_factory.mktemp("debian-6.12")
    members = [f"{DEBIAN_6_12.package}/{rel}" for rel in (*TOUCHED_FILES, "Makefile")]
    subprocess.run(
        ["tar", "-xf", str(DEBIAN_6_12.tarball), "-C", str(dest), "--strip-components=1", *members],
        check=True,
    )
    return dest

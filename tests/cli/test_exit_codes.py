"""The exit codes ``lwtbench --help`` and the README document are the ones it returns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lwtbench.testbeds.preflight as preflight
from lwtbench.cli import main
from lwtbench.cli.common import EXIT_CODES
from lwtbench.testbeds.base import Check

README = Path(__file__).resolve().parents[2] / "README.md"


def test_ok_is_0(capsys):
    assert main(["model", "platforms", "--arch", "x86_64"]) == 0


def test_a_failed_check_is_1(tmp_path, monkeypatch, capsys):
    testbed = tmp_path / "t.yaml"
    testbed.write_text("kind: simulated\n")
    failed = [Check("dut ssh", False, "no route to 192.0.2.20")]
    monkeypatch.setattr(preflight, "preflight_checks", lambda _f, _c=None: failed)
    assert main(["preflight", "--testbed", str(testbed)]) == 1
    assert "FAIL dut ssh" in capsys.readouterr().out
    assert main(["preflight", "--testbed", str(testbed), "--json"]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["packets", "show", "--protocol", "ioam6", "--trace-size", "246"],  # LwtbenchError
        ["claims", "--data", "/nonexistent/data"],
        ["model", "platforms", "--no-such-option"],  # argparse
        ["kernel", "build", "--kernel", "linux-2.4"],
    ],
)
def test_bad_input_is_2(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    assert "error:" in capsys.readouterr().err


def test_interrupted_is_130(monkeypatch, capsys):
    import lwtbench.cli.model as model

    def interrupted(_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "_cmd_platforms", interrupted)
    assert main(["model", "platforms"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_a_closed_pipe_is_141():
    # The reader is gone before the command writes (as `| head -c 0` would leave it): with the
    # read end closed first, the first write fails whatever the output's size, so the test
    # does not depend on the pipe buffer or on timing.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "lwtbench", "model", "platforms", "--sources"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    err = proc.stderr.decode()
    assert proc.returncode == 141, err
    assert "broken pipe" in err and "Traceback" not in err


def test_the_readme_table_lists_every_code():
    text = README.read_text(encoding="utf-8")
    for code, _meaning in EXIT_CODES:
        assert re.search(rf"^\| {code} +\|", text, re.M), f"exit code {code} not in README"

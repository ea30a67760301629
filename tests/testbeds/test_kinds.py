"""Each testbed kind registers itself when its package is imported, not when a CLI module is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_lab_testbed_file_loads_in_a_fresh_interpreter():
    # A fresh interpreter: nothing but testbed_file is imported before the lab file is read.
    code = (
        "import sys\n"
        "from lwtbench.testbeds.testbed_file import load_testbed_factory\n"
        "factory = load_testbed_factory('env/testbed.lab.yaml')\n"
        "assert callable(factory)\n"
        "print(sorted(m for m in sys.modules if m.startswith('lwtbench.cli')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_unknown_kind_lists_every_kind_on_offer(tmp_path):
    from lwtbench.errors import InputFileError
    from lwtbench.testbeds.testbed_file import load_testbed_factory

    bad = tmp_path / "t.yaml"
    bad.write_text("kind: nosuchkind\n")
    try:
        load_testbed_factory(bad)
    except InputFileError as exc:
        message = str(exc)
    else:
        raise AssertionError("an unknown kind was accepted")
    assert "nosuchkind" in message
    for kind in ("lab", "simulated", "trex"):
        assert kind in message


def test_the_lab_offers_every_kernel_variant_the_project_builds():
    from lwtbench.kernel.variants import VARIANT_NAMES
    from lwtbench.testbeds.lab.kind import KERNELS

    assert KERNELS == VARIANT_NAMES

"""The netns/veth harness: names that never collide, and nothing left behind (root)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from lwtbench.netns import add_veth, namespaces, netns_name
from tests.conftest import need_root


def _listed() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def test_names_carry_the_process_id_and_never_repeat():
    a, b = netns_name("lwtb-t-", "dut"), netns_name("lwtb-t-", "dut")
    assert a != b
    for name in (a, b):
        assert name.startswith(f"lwtb-t-{os.getpid()}-") and name.endswith("-dut")


def test_namespaces_are_removed_when_the_block_ends_even_on_failure():
    need_root()
    with pytest.raises(RuntimeError, match="boom"), namespaces("lwtb-t-", ("a", "b")) as ns:
        add_veth(ns["a"], "x0", "x1", ns["b"], peer_mac="02:00:00:00:00:42")
        links = subprocess.run(
            ["ip", "-n", ns["b"], "link", "show", "x1"], capture_output=True, text=True
        ).stdout
        assert "02:00:00:00:00:42" in links
        assert set(ns.values()) <= _listed()
        raise RuntimeError("boom")
    assert not set(ns.values()) & _listed()


def test_a_process_that_exits_without_cleaning_up_leaves_no_namespace():
    need_root()
    code = (
        "from lwtbench.netns import add_netns, netns_name\n"
        "print(add_netns(netns_name('lwtb-t-', 'exit')))\n"
        "raise SystemExit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    name = proc.stdout.strip()
    assert re.fullmatch(r"lwtb-t-\d+-1-exit", name), name
    assert not name.startswith(f"lwtb-t-{os.getpid()}-")  # the child's own id
    assert name not in _listed()

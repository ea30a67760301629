"""What a killed TRex lab run leaves (its namespace with the TRex server still running in it,
the server's work folder and DPDK runtime folder) is removed by the next run; a live run's
namespace is never touched (root; no TRex needed: a long sleep stands in for the server)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from lwtbench.testbeds.lab.cleanup import pid_alive
from lwtbench.testbeds.trex.lab import NETNS_PREFIX, remove_stale_namespaces
from lwtbench.testbeds.trex.server import WORK_PREFIX

from ..conftest import need_root

pytestmark = pytest.mark.root


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    assert not pid_alive(proc.pid)
    return proc.pid


def namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    return {line.split(" ", 1)[0] for line in out.stdout.splitlines()}


def test_a_killed_runs_namespace_and_server_are_removed_a_live_ones_kept():
    need_root()
    dead = dead_pid()
    stale, live = f"{NETNS_PREFIX}{dead}-1", f"{NETNS_PREFIX}{os.getpid()}-1"
    work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{dead}-"))
    servers = []
    try:
        for ns in (stale, live):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            # Like the TRex server: in the namespace, in a session of its own.
            servers.append(
                subprocess.Popen(
                    ["ip", "netns", "exec", ns, "sleep", "300"], start_new_session=True
                )
            )
        removed = remove_stale_namespaces(wait_s=5)
        assert stale in removed and live not in removed
        servers[0].wait(timeout=10)  # ended, not left running
        assert servers[1].poll() is None
        assert stale not in namespaces() and live in namespaces()
        assert not work.exists()
        assert stale not in remove_stale_namespaces()  # nothing left of it
    finally:
        for proc in servers:
            proc.kill()
            proc.wait()
        for ns in (stale, live):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        if work.exists():
            work.rmdir()

"""The one check, by signal 0, of whether a process or a process group is still there."""

from __future__ import annotations

import subprocess
import sys

from lwtbench.processes import group_alive, pid_alive


def test_a_process_and_its_group_are_alive_until_reaped():
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    try:
        assert pid_alive(proc.pid) and group_alive(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert not pid_alive(proc.pid) and not group_alive(proc.pid)


def test_init_is_alive():
    assert pid_alive(1) and group_alive(1)

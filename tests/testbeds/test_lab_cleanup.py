"""Leftovers of killed lab runs (work folders, namespaces, UML state) are found by the dead
process id in their name and removed; a live run's are never touched (root: namespaces)."""

from __future__ import annotations

import os
import subprocess
import sys

from lwtbench.testbeds.lab.cleanup import clean_leftovers, find_leftovers

from ..conftest import need_root


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def netns(name: str) -> None:
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(
        ["ip", "-n", name, "link", "add", "vh0", "type", "veth", "peer", "name", "vh1"],
        check=True,
    )


def test_dead_runs_leftovers_go_live_ones_stay(tmp_path):
    need_root()
    dead, me = dead_pid(), os.getpid()
    tmp, uml = tmp_path / "tmp", tmp_path / "uml"
    (tmp / f"lwtb-lab-{dead}-abc").mkdir(parents=True)
    (tmp / f"lwtb-lab-{dead}-abc" / "console.log").write_text("x")
    (tmp / f"lwtb-lab-{me}-def").mkdir()
    (tmp / "lwtb-lab-nopid").mkdir()  # an older run's name says no pid: left alone
    for name, pid in (("A1", dead), ("B2", me)):
        (uml / name).mkdir(parents=True)
        (uml / name / "pid").write_text(f"{pid}\n")
    dead_ns, live_ns = f"lwtb-vec-{dead}-1", f"lwtb-vec-{me}-2"
    netns(dead_ns)
    netns(live_ns)
    try:
        ours = {dead_ns, str(tmp / f"lwtb-lab-{dead}-abc"), str(uml / "A1")}
        found = {x.name for x in find_leftovers(tmp, uml)}
        assert ours <= found
        assert not {live_ns, str(tmp / f"lwtb-lab-{me}-def"), str(uml / "B2")} & found
        listed = subprocess.run(
            [sys.executable, "-m", "lwtbench", "lab", "cleanup", "--dry-run"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert f"found: network namespace {dead_ns} (pid {dead}, gone)" in listed
        removed = {x.name for x in clean_leftovers(tmp_root=tmp, uml_root=uml)}
        assert ours <= removed
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert dead_ns not in names and live_ns in names
        assert sorted(p.name for p in tmp.iterdir()) == [f"lwtb-lab-{me}-def", "lwtb-lab-nopid"]
        assert sorted(p.name for p in uml.iterdir()) == ["B2"]
    finally:
        for name in (dead_ns, live_ns):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)

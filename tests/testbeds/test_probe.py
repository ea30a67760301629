"""The host probe on the running kernel: real namespaces, veth, seg6 routes and tracefs."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from lwtbench.testbeds.probe import ProbePoint, run_probe, verdict

pytestmark = pytest.mark.root


def _netns() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_probe_seg6_reports_counts_or_says_why_not(root):
    mounted_before = os.path.exists("/sys/kernel/tracing/available_tracers")
    report = run_probe("seg6", "encap", 13, packets=300)
    assert report.kernel_release == os.uname().release
    assert report.forwarding_ok is True  # the host kernel has seg6: packets crossed the DUT
    if report.points:
        assert [p.param for p in report.points] == [12, 13, 14]
        assert all(p.forwarded == p.sent for p in report.points)
        assert report.verdict.startswith(("double", "no double"))
    else:
        assert report.untested and report.untested[0].startswith("reallocation counts:")
        assert report.verdict.startswith("no verdict:")
    json.loads(report.to_json())
    assert "lwtb-probe-" not in _netns()
    assert os.path.exists("/sys/kernel/tracing/available_tracers") == mounted_before


def test_probe_names_a_protocol_the_kernel_lacks(root):
    report = run_probe("ioam6", "inline", 236, packets=50)
    if report.forwarding_ok:
        pytest.skip("this kernel has ioam6 lwt; nothing to refuse")
    assert any("refused the route" in u for u in report.untested)
    assert "lwtb-probe-" not in _netns()


def test_verdict_on_synthetic_counts():
    pts = [
        ProbePoint(12, 100, 100, {"pskb_expand_head": 100, "skb_expand_head": 0}),
        ProbePoint(13, 100, 100, {"pskb_expand_head": 200, "skb_expand_head": 0}),
        ProbePoint(14, 100, 100, {"pskb_expand_head": 100, "skb_expand_head": 0}),
    ]
    assert verdict(13, pts, True, []).startswith("double reallocation at 13")
    assert verdict(12, pts, True, []).startswith("no double")
    assert verdict(13, [], True, ["x: y"]).startswith("no verdict: x: y")

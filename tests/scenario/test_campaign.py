"""Campaign files: shipped ones load; each bad file gives one clear error naming file and fix."""

from __future__ import annotations

import textwrap

import pytest

from lwtbench.errors import InputFileError
from lwtbench.packets.route import Ioam6Route, Seg6Route
from lwtbench.scenario.campaign import load_campaign, plan

GOOD = """
name: t
kernels: [vanilla, patched]
repetitions: 2
seed: 5
search: {method: mlrsearch, goals: [ndr]}
sweeps:
  - protocol: ipv6
  - protocol: seg6
    modes: [encap]
    segments: [12, 13]
"""


def write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_paper_campaign_has_every_sweep():
    c = load_campaign("paper")
    counts = {}
    for p in c.points:
        counts[(p.protocol, p.mode)] = counts.get((p.protocol, p.mode), 0) + 1
    assert counts[("ipv6", "none")] == 1
    assert counts[("ioam6", "inline")] == counts[("ioam6", "encap")] == 61  # 4..244 step 4
    assert counts[("seg6", "encap")] == counts[("seg6", "encap.red")] == 24
    assert counts[("seg6", "inline")] == 24
    assert counts[("rpl", "inline")] == 3
    sizes = sorted(p.param for p in c.points if p.protocol == "ioam6" and p.mode == "encap")
    assert sizes[0] == 4 and sizes[-1] == 244
    encap = next(p for p in c.points if p.mode == "encap" and p.protocol == "ioam6")
    assert isinstance(encap.route, Ioam6Route) and encap.route.tundst


def test_quick_campaign_sits_around_triggers():
    c = load_campaign("quick")
    seg6 = {p.param for p in c.points if p.protocol == "seg6" and p.mode == "encap"}
    assert seg6 == {12, 13, 14}
    assert len(c.points) < 30


def test_plan_is_abab_and_seeded(tmp_path):
    c = load_campaign(write(tmp_path, GOOD))
    p1, p2 = plan(c, 5), plan(c, 5)
    assert [s.search_id for s in p1] == [s.search_id for s in p2]
    assert [s.kernel_variant for s in p1] == ["vanilla"] * 3 + ["patched"] * 3 + ["vanilla"] * 3 + [
        "patched"
    ] * 3
    assert {s.search_id for s in plan(c, 6)} == {s.search_id for s in p1}
    seg = [p for p in c.points if isinstance(p.route, Seg6Route)]
    assert [len(p.route.segments) for p in seg] == [12, 13]


BAD = {
    "trace size not a multiple of 4": (
        "name: t\nsweeps: [{protocol: ioam6, modes: [encap], trace_size: [246]}]",
        "sweeps[0].trace_size",
    ),
    "trace size 246 too big": (
        "name: t\nsweeps: [{protocol: ioam6, modes: [inline], trace_size: [248]}]",
        "4..244",
    ),
    "unknown mode": (
        "name: t\nsweeps: [{protocol: seg6, modes: [encaps], segments: [1]}]",
        "got 'encaps'",
    ),
    "unknown protocol": ("name: t\nsweeps: [{protocol: srv6}]", "one of ipv6, ioam6, seg6, rpl"),
    "unknown top key": ("name: t\nrepetition: 3\nsweeps: [{protocol: ipv6}]", "repetition"),
    "no sweeps": ("name: t", "sweeps"),
    "bad goal": (
        "name: t\nsearch: {goals: [rfc2544]}\nsweeps: [{protocol: ipv6}]",
        "search.goals[0]: expected one of ndr, pdr, fast, got 'rfc2544'",
    ),
    "bad method": (
        "name: t\nsearch: {method: binary}\nsweeps: [{protocol: ipv6}]",
        "expected one of mlrsearch, stepped",
    ),
    "bad address": (
        "name: t\nsweeps: [{protocol: rpl, address_sets: {a: [10.0.0.1]}}]",
        "sweeps[0].address_sets.a[0]: expected an IPv6 address",
    ),
    "frame too small": ("name: t\nframe_size: 40\nsweeps: [{protocol: ipv6}]", "frame_size"),
    "duplicate kernels": (
        "name: t\nkernels: [a, a]\nsweeps: [{protocol: ipv6}]",
        "kernels: repeats a name (a, a)",
    ),
    "duplicate point": (
        "name: t\nsweeps: [{protocol: ipv6}, {protocol: ipv6}]",
        "appears twice",
    ),
    "bad override": (
        "name: t\nsearch: {goals: [ndr], goal_overrides: {ndr: {relative_width: 2}}}\n"
        "sweeps: [{protocol: ipv6}]",
        "goal_overrides",
    ),
    "zero segments": (
        "name: t\nsweeps: [{protocol: seg6, modes: [encap], segments: {from: 0, to: 3}}]",
        "segments.from",
    ),
    "not yaml": ("name: [unclosed", "not valid YAML"),
    "repetitions zero": ("name: t\nrepetitions: 0\nsweeps: [{protocol: ipv6}]", "repetitions"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_campaign_gives_one_clear_error(tmp_path, case):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(InputFileError) as info:
        load_campaign(path)
    message = str(info.value)
    assert str(path) in message  # names the file
    assert expected in message  # and what is wrong
    assert ";" in message  # and the fix


def test_missing_file_lists_shipped_campaigns(tmp_path):
    with pytest.raises(InputFileError, match="paper, quick"):
        load_campaign(tmp_path / "nope.yaml")

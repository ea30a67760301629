"""The real kernel: seg6 lwt output captured on veth, compared byte for byte with expected.py.

Runs on the host kernel as root (network namespaces ``lwtb-*``, removed in teardown). The
same helpers (lwtbench.selfcheck.kernelcheck) drive ioam6 and rpl on the lab's User-Mode
Linux kernels, whose runner replaces ``local_ip``.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from lwtbench.packets.expected import expected_output
from lwtbench.packets.frames import FrameSpec, build_frame
from lwtbench.packets.route import Ioam6Route, PlainRoute, RplRoute, Seg6Route
from lwtbench.packets.segments import seg6_segments
from lwtbench.selfcheck.kernelcheck import VethLab, check_case, encap_args, standard_cases

pytestmark = pytest.mark.root

MODES = ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
SEGMENT_COUNTS = (1, 2, 5, 13)
FRAME_SIZES = (64, 128, 1514)


@pytest.fixture(scope="module")
def lab():
    # Module-wide lab, so the function-scoped ``root`` fixture cannot be used; same policy.
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces and veth")
    with VethLab(mtu=9000) as veth_lab:
        yield veth_lab


def _assert_all(results):
    bad = [r.describe() for r in results if not r.ok]
    assert not bad, "\n".join(bad)


def test_plain_forwarding(lab):
    for size in FRAME_SIZES:
        _assert_all(check_case(lab, PlainRoute(), size))


@pytest.mark.parametrize("size", FRAME_SIZES)
@pytest.mark.parametrize("n", SEGMENT_COUNTS)
@pytest.mark.parametrize("mode", MODES)
def test_seg6_output_is_byte_exact(lab, mode, n, size):
    _assert_all(check_case(lab, Seg6Route(mode, seg6_segments(n)), size, count=2))


@pytest.mark.parametrize("mode", MODES)
def test_seg6_copies_traffic_class_and_flow_label(lab, mode):
    route = Seg6Route(mode, seg6_segments(3))
    results = check_case(
        lab, route, 300, count=4, traffic_class=0x28, flow_label=0xABCDE, hop_limit=17,
        udp_sport_count=4,
    )  # fmt: skip
    _assert_all(results)


def test_seg6_large_segment_count_and_jumbo_frame(lab):
    # The most iproute2 6.1 can install (59 SRH entries, see validate.check_iproute2_segs);
    # 8000 B frames plus up to 992 B of headers fit the 9000 B MTU.
    _assert_all(check_case(lab, Seg6Route("encap", seg6_segments(59)), 8000, count=1))
    _assert_all(check_case(lab, Seg6Route("l2encap.red", seg6_segments(59)), 8000, count=1))
    _assert_all(check_case(lab, Seg6Route("inline", seg6_segments(58)), 8000, count=1))
    _assert_all(check_case(lab, PlainRoute(), 9000, count=1))


def test_a_wrong_prediction_is_caught(lab):
    # The comparison is not vacuous: a wrong outer source is reported by field name.
    wrong = dataclasses.replace(lab.dut_facts(), egress_address="2001:db8:b::99")
    results = check_case(lab, Seg6Route("encap", seg6_segments(2)), 128, count=1, dut=wrong)
    assert results[0].comparison is not None
    assert not results[0].ok
    assert [d.field for d in results[0].comparison.differences] == ["IPv6.src"]


def test_encap_arguments_for_the_other_lwts():
    assert encap_args(Ioam6Route("encap", 12, 0x800000, 123, tundst="2001:db8::1")) == [
        "encap", "ioam6", "mode", "encap", "tundst", "2001:db8::1",
        "trace", "prealloc", "type", "0x800000", "ns", "123", "size", "12",
    ]  # fmt: skip
    assert encap_args(RplRoute(("2001:db8::1", "2001:db8::2"))) == [
        "encap", "rpl", "segs", "2001:db8::1,2001:db8::2",
    ]  # fmt: skip


@pytest.mark.parametrize("protocol", ["ipv6", "ioam6", "seg6", "rpl"])
def test_standard_cases_are_installable_and_predictable(protocol):
    # What the lab's UML kernels will run for ioam6/rpl: valid for iproute2 and predictable.
    cases = standard_cases(protocol)
    assert cases
    lab_facts = VethLab(tag="unused").dut_facts()
    for route, size in cases:
        encap_args(route)
        frame = build_frame(FrameSpec(frame_size=size))
        expected_output(frame, route, lab_facts)


def test_standard_seg6_cases_cover_the_brief():
    routes = {(r.mode, len(r.segments)) for r, _ in standard_cases("seg6")}
    assert routes == {
        (m, n)
        for m in ("encap", "encap.red", "inline", "l2encap", "l2encap.red")
        for n in (1, 2, 5, 13)
    }


@pytest.mark.parametrize("setting", [-1, 1])
def test_seg6_flowlabel_sysctl(lab, setting):
    # seg6_make_flowlabel: < 0 writes 0, > 0 a hash of the flow (declared as a masked field).
    lab.ip(["netns", "exec", lab.dut_ns, "sysctl", "-qw", f"net.ipv6.seg6_flowlabel={setting}"])
    try:
        dut = dataclasses.replace(lab.dut_facts(), seg6_flowlabel=setting)
        route = Seg6Route("encap", seg6_segments(2))
        results = check_case(lab, route, 200, count=2, dut=dut, flow_label=0xABCDE)
        _assert_all(results)
        masked = results[0].comparison.masked
        assert ("outer_ipv6.fl" in masked) == (setting > 0)
    finally:
        lab.ip(["netns", "exec", lab.dut_ns, "sysctl", "-qw", "net.ipv6.seg6_flowlabel=0"])


def test_seg6_tunsrc_is_the_outer_source(lab):
    lab.ip(["-n", lab.dut_ns, "sr", "tunsrc", "set", "2001:db8:ffff::1"])
    try:
        dut = dataclasses.replace(lab.dut_facts(), egress_address="2001:db8:ffff::1")
        for mode in ("encap", "l2encap.red"):
            _assert_all(check_case(lab, Seg6Route(mode, seg6_segments(3)), 128, dut=dut))
    finally:
        lab.ip(["-n", lab.dut_ns, "sr", "tunsrc", "set", "::"])

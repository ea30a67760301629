"""ioam6 and rpl lwt output on the lab's User-Mode Linux kernels, compared byte for byte.

The host kernel has neither lwt, so each kernel variant boots once (lwtbench.kernel.uml) and
runs lwtbench.selfcheck.umlcheck inside: veth lab, routes, AF_PACKET capture, comparison with
lwtbench.packets.expected. The tests here read its JSON report, and check the captured
frames again on the host against facts that do not come from the expected-output builder
(RFC 6554 decompression, the overhead function, the IOAM node record the DUT was told to
write), so that a shared mistake of builder and comparison would still show.
"""

from __future__ import annotations

import ipaddress

import pytest
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop
from scapy.layers.l2 import Ether

from lwtbench.packets.expected import DutFacts, compare, expected_output
from lwtbench.packets.frames import build_frame
from lwtbench.packets.ioam6 import Ioam6PreallocTrace, trace_nodelen
from lwtbench.packets.overhead import inserted_bytes
from lwtbench.packets.route import Ioam6Route, RplRoute
from lwtbench.packets.rpl import IPv6ExtHdrRplSourceRoute, rpl_compress
from lwtbench.selfcheck.kernelcheck import VethLab
from lwtbench.selfcheck.umlcheck import (
    FRAME_SIZES,
    FRAMES_PER_CASE,
    IOAM6_UML_MODES,
    IOAM6_UML_SIZES,
    IOAM6_UML_TYPES,
    check_on_uml,
    init_body,
    main,
    uml_cases,
)

VARIANTS = ("debian-6.12", "vanilla")
NODE_ID = 0x0A0B0C
"""What VethLab.configure_ioam sets as net.ipv6.ioam6_id on the DUT."""
INPUT_HOP_LIMIT = 64
"""FrameSpec's default hop limit."""


# -- without a kernel ----------------------------------------------------------------------


def test_cases_cover_the_brief():
    ioam = uml_cases("ioam6")
    got = {
        (c.route.mode, c.route.trace_size, c.route.trace_type, c.ioam_namespace_configured)
        for c in ioam
    }
    assert got == {
        (m, s, t, ns)
        for m in IOAM6_UML_MODES
        for s in (4, 8, 12, 196, 200, 236, 244)
        for t in IOAM6_UML_TYPES
        for ns in (False, True)
    }
    assert set(IOAM6_UML_SIZES) >= {4, 8, 12, 196, 200, 236, 244}
    rpl = [rpl_compress(c.route.segments, c.dst) for c in uml_cases("rpl")]
    assert any(r.cmpri == 15 and r.cmpre == 14 for r in rpl)  # compressible (one /64)
    assert any(r.cmpri == 0 and r.cmpre == 0 for r in rpl)  # nothing shared
    assert sum(r.header_len == 256 for r in rpl) >= 2  # the model's 256 B trigger
    assert {len(c.route.segments) for c in uml_cases("rpl")} >= {1, 2, 5, 13, 59}


def test_init_body_runs_the_module_with_the_given_interpreter(tmp_path):
    body = init_body(tmp_path, tmp_path / "python")
    assert f"cd {tmp_path}\n" in body
    assert f"{tmp_path / 'python'} -m lwtbench.selfcheck.umlcheck" in body


def test_entry_point_refuses_other_protocols(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--protocols", "ioam6,seg6"])
    assert exc.value.code == 2
    assert "'seg6' is not one of ioam6, rpl" in capsys.readouterr().err


# -- in the VM ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=VARIANTS)
def report(request, tmp_path_factory):
    """One boot per variant, running every ioam6 and rpl case (about 40 s when cached)."""
    from lwtbench.kernel.build import ensure_uml_kernel

    kernel = ensure_uml_kernel(request.param, "counting")
    rep = check_on_uml(
        kernel, ["ioam6", "rpl"], tmp_path_factory.mktemp(f"uml-{request.param}"), timeout_s=600
    )
    assert rep.release == kernel.release, rep.console[-2000:]
    assert rep.provenance["linux_sha256"] == kernel.manifest["linux_sha256"]
    assert rep.provenance["variant"] == request.param
    return rep


def _results(report, protocol):
    return [r for r in report.results if r["protocol"] == protocol]


def _captured(result) -> Ether:
    return Ether(bytes.fromhex(result["captured_head_hex"]))


def _assert_complete_and_equal(report, protocol):
    cases = uml_cases(protocol)
    results = _results(report, protocol)
    assert len(results) == len(cases) * len(FRAME_SIZES) * FRAMES_PER_CASE
    assert {r["case_index"] for r in results} == set(range(len(cases)))
    missing = [r["description"] for r in results if not r["captured"]]
    assert not missing, "\n".join(missing)
    bad = [r["description"] for r in results if not r["ok"]]
    assert not bad, "\n".join(bad)


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.timeout(3600)
def test_ioam6_output_is_byte_exact(report):
    _assert_complete_and_equal(report, "ioam6")


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.timeout(3600)
def test_rpl_output_is_byte_exact(report):
    _assert_complete_and_equal(report, "rpl")


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.timeout(3600)
def test_inserted_bytes_is_what_the_kernel_inserts(report):
    cases = {p: uml_cases(p) for p in ("ioam6", "rpl")}
    for r in report.results:
        case = cases[r["protocol"]][r["case_index"]]
        grown = r["actual_len"] - r["frame_size"]
        assert grown == inserted_bytes(case.route, None, case.dst), r["description"]


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.timeout(3600)
def test_rpl_header_decompresses_to_the_route(report):
    # RFC 6554 3: the elided octets come from the IPv6 destination, which the kernel sets to
    # the last segment; the header then lists the others in reverse, then the old destination.
    cases = uml_cases("rpl")
    for r in _results(report, "rpl"):
        case = cases[r["case_index"]]
        assert isinstance(case.route, RplRoute)
        pkt = _captured(r)
        segs = case.route.segments
        assert ipaddress.IPv6Address(pkt[IPv6].dst) == ipaddress.IPv6Address(segs[-1])
        srh = pkt[IPv6ExtHdrRplSourceRoute]
        assert srh.segleft == len(segs)
        assert (srh.cmpri, srh.cmpre) == (r["rpl"]["cmpri"], r["rpl"]["cmpre"])
        want = [ipaddress.IPv6Address(a) for a in (*reversed(segs[:-1]), case.dst)]
        assert [ipaddress.IPv6Address(a) for a in srh.decompressed(pkt[IPv6].dst)] == want
        assert (srh.len + 1) * 8 == r["rpl"]["header_len"]


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.timeout(3600)
def test_ioam6_node_record_only_with_the_namespace(report):
    # ioam6_fill_trace_data: with the namespace configured the DUT writes its record at the
    # end of the free space (or sets Overflow when it does not fit), else it leaves the trace.
    cases = uml_cases("ioam6")
    seen = {"filled": 0, "overflow": 0, "untouched": 0}
    for r in _results(report, "ioam6"):
        case = cases[r["case_index"]]
        route = case.route
        assert isinstance(route, Ioam6Route)
        pkt = _captured(r)
        hbh = pkt[IPv6ExtHdrHopByHop]
        trace = hbh.options[1][Ioam6PreallocTrace]
        assert (trace.namespace_id, trace.trace_type) == (route.namespace, route.trace_type)
        free = route.trace_size // 4
        need = trace_nodelen(route.trace_type) + (1 if route.trace_type & 0x000002 else 0)
        if not case.ioam_namespace_configured:
            assert (trace.remlen, trace.overflow) == (free, 0)
            assert trace.data == bytes(route.trace_size)
            seen["untouched"] += 1
        elif free < need:
            assert (trace.remlen, trace.overflow) == (free, 1)
            assert trace.data == bytes(route.trace_size)
            seen["overflow"] += 1
        else:
            assert (trace.remlen, trace.overflow) == (free - need, 0)
            record = trace.data[trace.remlen * 4 :][:4]
            # hop_lim (after ip6_forward's decrement) and node_id: trace bit 0.
            assert record == bytes([INPUT_HOP_LIMIT - 1]) + NODE_ID.to_bytes(3, "big")
            assert not any(trace.data[: trace.remlen * 4])
            seen["filled"] += 1
    assert all(seen.values()), seen


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.timeout(3600)
def test_a_wrong_ioam_prediction_is_caught(report):
    # The comparison is not vacuous: predicting no namespace for a frame the DUT filled
    # fails on the trace's RemainingLen and the node data.
    cases = uml_cases("ioam6")
    r = next(
        r
        for r in _results(report, "ioam6")
        if cases[r["case_index"]].ioam_namespace_configured
        and cases[r["case_index"]].route.trace_size == 12
        and cases[r["case_index"]].route.trace_type == 0x800000
        and cases[r["case_index"]].route.mode == "inline"
        and r["frame_size"] == 128
    )
    lab = VethLab(tag="unused")
    frame = build_frame(lab.frame_spec(128), r["index"])
    wrong = DutFacts(**{**vars(lab.dut_facts()), "ioam_namespace_configured": False})
    got = compare(
        expected_output(frame, cases[r["case_index"]].route, wrong),
        bytes.fromhex(r["captured_head_hex"]),
    )
    assert not got.equal
    fields = {d.field for d in got.differences}
    assert any("remlen" in f for f in fields), got.describe()
    assert any("data" in f for f in fields), got.describe()

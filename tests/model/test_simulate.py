"""The paper's and upstream's trigger lists, and the behaviour of each kernel variant."""

from __future__ import annotations

import itertools

import pytest

from lwtbench.errors import ParameterError
from lwtbench.model.platforms import custom_platform, known_platforms, platform
from lwtbench.model.simulate import simulate, simulate_inserted
from lwtbench.model.triggers import PROTOCOL_MODES, default_params, sweep, triggers
from lwtbench.model.variants import VARIANTS, variant
from lwtbench.packets.route import Ioam6Route, PlainRoute, Seg6Route

I40E = platform("x86_64/i40e")
VANILLA = variant("vanilla")
IOAM_SIZES = range(4, 245, 4)
SEGS = range(1, 31)


def test_worked_example_of_the_paper():
    # 206 B, +64 to 270, push 256, 14 < 16: second expansion
    t = simulate_inserted("ioam6", "inline", 256, I40E, VANILLA)
    assert t.platform.forward_headroom == 206
    cow = next(s for s in t.steps if "ioam6_do_inline" in s.where and s.needed)
    assert (cow.headroom_before, cow.needed, cow.expansion_bytes) == (206, 270, 64)
    push = next(s for s in t.steps if s.action.startswith("push"))
    assert push.headroom_after == 14
    l2 = next(s for s in t.steps if s.where.endswith("ioam6_output"))
    assert (l2.needed, l2.expansion_bytes) == (16, 64)
    assert (t.reallocs, t.expansions) == (2, [64, 64])


def test_x86_i40e_vanilla_reproduces_upstream_lists():
    assert triggers("ioam6", "inline", I40E, VANILLA, IOAM_SIZES) == [236, 240]
    assert triggers("ioam6", "encap", I40E, VANILLA, IOAM_SIZES) == [196, 200]
    every4 = list(range(13, 31, 4))
    assert triggers("seg6", "encap", I40E, VANILLA, SEGS) == every4
    assert triggers("seg6", "l2encap", I40E, VANILLA, SEGS) == every4
    assert triggers("seg6", "encap.red", I40E, VANILLA, SEGS) == list(range(14, 31, 4))
    assert triggers("seg6", "l2encap.red", I40E, VANILLA, SEGS) == list(range(14, 31, 4))
    assert triggers("seg6", "inline", I40E, VANILLA, range(1, 127)) == []


def test_other_pads_with_the_same_206_bytes():
    # 128 B pad: exactly upstream's 17, 25, 33, ...
    p128 = custom_platform(128, 192)
    assert triggers("seg6", "encap", p128, VANILLA, range(1, 42)) == [17, 25, 33, 41]
    # 32 B pad: upstream lists 11, 15, 19, ...; the code also doubles at 13, 17, ...
    # (delta = 16 n - 144 is then a multiple of 32 for every odd n >= 11).
    p32 = custom_platform(32, 192)
    got = triggers("seg6", "encap", p32, VANILLA, range(1, 40))
    assert set(range(11, 40, 4)) <= set(got)
    assert got == list(range(11, 40, 2))


def test_uml_vector_headroom_64():
    uml = platform("um/vector,headroom=64")
    assert uml.forward_headroom == 78
    assert triggers("seg6", "encap", uml, VANILLA, range(1, 12)) == [5, 9]
    assert triggers("ioam6", "encap", uml, VANILLA, range(4, 140, 4)) == [68, 72, 132, 136]
    assert triggers("ioam6", "inline", uml, VANILLA, range(4, 180, 4)) == [108, 112, 172, 176]


@pytest.mark.parametrize("name", ["x86_64/i40e", "um/vector,headroom=64", "ppc64le/i40e"])
def test_mitigated_steady_state_never_reallocates_twice(name):
    plat = platform(name)
    for v in ("mitigated", "fixed"):
        for proto, modes in PROTOCOL_MODES.items():
            for mode in modes:
                for p in sweep(proto, mode, default_params(proto), plat, variant(v)):
                    extra = 1 if mode.startswith("l2encap") else 0  # unconditional expand
                    assert p.reallocs <= 1 + extra, (v, proto, mode, p)


def test_first_packet_of_mitigated_is_vanilla():
    first = variant("mitigated:first")
    for proto, mode in (("ioam6", "inline"), ("ioam6", "encap"), ("seg6", "encap")):
        ps = default_params(proto)
        assert triggers(proto, mode, I40E, first, ps) == triggers(proto, mode, I40E, VANILLA, ps)


def test_debian_612_ioam_inline_double_reallocates_like_vanilla():
    deb = variant("debian-6.12")
    assert triggers("ioam6", "inline", I40E, deb, IOAM_SIZES) == [236, 240]
    # its cache fills for encap (new destination) and for seg6 (first segment)
    assert triggers("ioam6", "encap", I40E, deb, IOAM_SIZES) == []
    assert triggers("seg6", "encap", I40E, deb, SEGS) == []


def test_debian_61_ioam6_unmitigated_seg6_mitigated():
    deb61 = variant("debian-6.1")
    assert triggers("ioam6", "encap", I40E, deb61, IOAM_SIZES) == [196, 200]
    assert triggers("ioam6", "inline", I40E, deb61, IOAM_SIZES) == [236, 240]
    assert triggers("seg6", "encap", I40E, deb61, SEGS) == []


def test_series_as_merged_caches_the_unchanged_route_and_never_doubles():
    merged = variant("as-merged")
    for proto, mode in (("ioam6", "inline"), ("ioam6", "encap"), ("seg6", "encap")):
        ps = default_params(proto)
        assert triggers(proto, mode, I40E, merged, ps) == []
        assert triggers(proto, mode, I40E, merged, ps) == triggers(
            proto, mode, I40E, variant("mitigated"), ps
        )
    # its first packet through a route has the empty cache of vanilla
    assert triggers("ioam6", "inline", I40E, variant("as-merged:first"), IOAM_SIZES) == [236, 240]


def test_debian_72_placeholder_fixes_ioam_inline_from_the_second_packet():
    deb72 = variant("debian-7.2")
    assert triggers("ioam6", "inline", I40E, deb72, IOAM_SIZES) == []
    t = simulate_inserted("ioam6", "inline", 256, I40E, deb72)
    assert t.reallocs == 1
    assert any("placeholder hit: dst_dev_overhead(orig_dst)" in s.action for s in t.steps)
    # upstream's fix differs from patch/fixed only on the first packet (empty cache)
    assert triggers("ioam6", "inline", I40E, variant("debian-7.2:first"), IOAM_SIZES) == [236, 240]
    assert triggers("ioam6", "inline", I40E, variant("fixed:first"), IOAM_SIZES) == []
    # seg6/rpl and ioam6 encap are those of debian-6.12
    for proto, mode in (("ioam6", "encap"), ("seg6", "encap"), ("seg6", "inline")):
        ps = default_params(proto)
        assert triggers(proto, mode, I40E, deb72, ps) == triggers(
            proto, mode, I40E, variant("debian-6.12"), ps
        )


def test_seg6_second_realloc_place_depends_on_variant():
    # vanilla: seg6_input_core's L2 cow, before ip6_forward
    t = simulate_inserted("seg6", "encap", 256, I40E, VANILLA)
    realloc_places = [s.where.split()[-1] for s in t.steps if s.realloc]
    assert realloc_places == ["__seg6_do_srh_encap", "seg6_input_core"]
    # mitigated steady state: one, sized with LL_RESERVED_SPACE (256 + 16 - 206 -> 128)
    t = simulate_inserted("seg6", "encap", 256, I40E, variant("mitigated"))
    assert t.expansions == [128]


def test_tun_ingress_without_mac_header():
    # TUN: 64 B headroom, mac_len 0: vanilla doubles when ALIGN(O - 64, 64) - (O - 64) < 16
    tun = custom_platform(64, 64, ingress_mac_len=0)
    assert tun.forward_headroom == 64
    t = simulate_inserted("seg6", "encap", 128, tun, VANILLA)
    assert t.expansions == [64, 64]
    t = simulate_inserted("seg6", "encap", 120, tun, VANILLA)  # 8 B left < 16
    assert t.expansions == [64, 64]
    t = simulate_inserted("seg6", "encap", 104, tun, VANILLA)  # 24 B left
    assert t.reallocs == 1


def test_simulate_takes_route_objects():
    t = simulate(Ioam6Route(mode="inline", trace_size=236), I40E, VANILLA)
    assert t.inserted == 256 and t.reallocs == 2
    segs = tuple(f"2001:db8::{k}" for k in range(1, 14))
    assert simulate(Seg6Route(mode="encap", segments=segs), I40E, VANILLA).reallocs == 2
    assert simulate(PlainRoute(), I40E, VANILLA).reallocs == 0


def test_bad_variant_and_mode():
    with pytest.raises(ParameterError, match="kernel"):
        variant("linux-7")
    with pytest.raises(ParameterError, match="mode"):
        simulate_inserted("rpl", "encap", 64, I40E, VANILLA)


def test_every_known_platform_and_variant_runs():
    for name, v in itertools.product(known_platforms(), VARIANTS):
        t = simulate_inserted("seg6", "encap", 256, platform(name), variant(v))
        assert t.final_headroom >= 16


def test_fixed_patch_removes_ioam_inline_double_and_helps_first_packet():
    fixed = variant("fixed")
    for mode in ("inline", "encap"):
        assert triggers("ioam6", mode, I40E, fixed, IOAM_SIZES) == []
    # patch/fixed sizes ioam6 with the carried route on any cache miss, first packet included;
    # seg6 is untouched by it, so its first packet still behaves like vanilla.
    first = variant("fixed:first")
    assert triggers("ioam6", "inline", I40E, first, IOAM_SIZES) == []
    assert triggers("seg6", "encap", I40E, first, SEGS) == triggers(
        "seg6", "encap", I40E, VANILLA, SEGS
    )
    t = simulate_inserted("ioam6", "inline", 256, I40E, fixed)
    assert (t.reallocs, t.expansions) == (1, [128])

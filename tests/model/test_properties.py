"""Property tests over random platforms and header sizes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lwtbench.model.platforms import custom_platform
from lwtbench.model.simulate import simulate_inserted
from lwtbench.model.variants import variant

platforms = st.builds(
    custom_platform,
    cache_line=st.sampled_from([16, 32, 64, 128, 256]),
    rx_headroom=st.integers(0, 512),
    egress_hard_header_len=st.sampled_from([0, 14, 18, 22, 32]),
    egress_needed_headroom=st.sampled_from([0, 2, 16, 32]),
    ingress_mac_len=st.sampled_from([0, 14]),
)
sizes = st.integers(0, 256).map(lambda k: 8 * k)
cases = st.sampled_from(
    [
        ("ioam6", "inline"),
        ("ioam6", "encap"),
        ("seg6", "encap"),
        ("seg6", "encap.red"),
        ("seg6", "inline"),
        ("seg6", "l2encap"),
        ("rpl", "inline"),
    ]
)
variants = st.sampled_from(
    ["vanilla", "mitigated", "mitigated:first", "debian-6.12", "debian-6.1", "fixed"]
)


@settings(max_examples=300, deadline=None)
@given(platforms, sizes, cases, variants)
def test_headroom_bookkeeping(plat, inserted, case, var):
    t = simulate_inserted(*case, inserted, plat, variant(var))
    for a, b in zip(t.steps, t.steps[1:], strict=False):
        assert a.headroom_after == b.headroom_before  # steps chain
    for s in t.steps:
        assert s.headroom_after >= 0
        if s.expansion_bytes and not s.unconditional:
            # the check that grew the head is satisfied afterwards, by the smallest aligned step
            assert s.needed is not None and s.headroom_after >= s.needed
            unit = plat.smp_cache_bytes if "finish_output2" in s.where else plat.net_skb_pad
            assert s.expansion_bytes % unit == 0
            assert s.headroom_after - s.needed < unit
    if plat.egress_has_header_ops:
        assert t.final_headroom >= plat.ll_reserved_space  # room for the neighbour's push


@settings(max_examples=300, deadline=None)
@given(platforms, sizes, cases)
def test_mitigated_steady_state_reallocates_at_most_once(plat, inserted, case):
    for v in ("mitigated", "fixed"):
        t = simulate_inserted(*case, inserted, plat, variant(v))
        # ioam6 meets ip6_forward's skb_cow before its encap: a tiny headroom adds one there
        short = plat.forward_headroom < plat.egress_hard_header_len
        forward = 1 if case[0] == "ioam6" and short else 0
        assert t.headroom_reallocs <= 1 + forward


@settings(max_examples=500, deadline=None)
@given(platforms, sizes, cases)
def test_vanilla_double_realloc_closed_form(plat, inserted, case):
    """The paper's condition, generalised: with d = O + mac_len - H > 0, the encap's cow leaves
    mac_len + (ALIGN(d, pad) - d) bytes; below LL_RESERVED_SPACE the L2 cow reallocates again.
    """
    if plat.forward_headroom < plat.egress_hard_header_len:
        return  # ip6_forward's own skb_cow would add a third place; not the paper's case
    t = simulate_inserted(*case, inserted, plat, variant("vanilla"))
    d = inserted + plat.ingress_mac_len - plat.forward_headroom
    pad = plat.net_skb_pad
    expected = d > 0 and ((-d) % pad) + plat.ingress_mac_len < plat.ll_reserved_space
    assert t.double_realloc == expected

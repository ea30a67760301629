"""Follow one forwarded IPv6 packet through the kernel, tracking the skb's headroom.

The path, as read in Debian's linux-source-6.12 (net/ipv6/ip6_output.c, ip6_input.c,
net/core/lwtunnel.c and the three ``*_iptunnel.c``):

1. The driver hands over an skb with ``rx_headroom`` bytes in front of the Ethernet header;
   eth_type_trans() pulls it (headroom + mac_len, skb->mac_len = 14).
2. ioam6 has only an *output* lwt (LWTUNNEL_STATE_OUTPUT_REDIRECT): ip6_forward's
   ``skb_cow(skb, dst->dev->hard_header_len)`` runs first, then ioam6_output encapsulates.
   seg6 and rpl redirect the *input* (LWTUNNEL_STATE_INPUT_REDIRECT): seg6_input_core /
   rpl_input encapsulate, then dst_input() reaches ip6_forward and its skb_cow.
3. The encap: ``skb_cow_head(skb, len + overhead)``, where overhead is ``skb->mac_len``
   (vanilla, or an empty cache) or ``LL_RESERVED_SPACE(cache_dst->dev)`` (the series); then
   the push. seg6 l2encap first calls ``pskb_expand_head(skb, skb->mac_len, 0)``
   unconditionally and pushes the MAC header back.
4. The L2 ``skb_cow_head(skb, LL_RESERVED_SPACE(dev))``: always in vanilla, on a cache miss
   with the series.
5. ip6_finish_output2: ``if (LL_RESERVED_SPACE(dev) > skb_headroom(skb) && dev->header_ops)
   skb_expand_head(skb, hh_len)``, which grows by ``SKB_DATA_ALIGN(delta)``.

``__skb_cow`` (include/linux/skbuff.h) grows the head by ``ALIGN(delta, NET_SKB_PAD)`` when
``delta = needed - headroom > 0``; pskb_expand_head adds exactly ``nhead`` to the headroom
(the slab's rounding goes to the tail). Each growth is one reallocation (a new head + copy).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from ..packets.overhead import align, inserted_bytes
from ..packets.route import ROUTE_CLASSES, Route
from .platforms import Platform
from .variants import CodeVariant

ENCAP_FUNCTION: dict[tuple[str, str], str] = {
    ("ioam6", "inline"): "net/ipv6/ioam6_iptunnel.c ioam6_do_inline",
    ("ioam6", "encap"): "net/ipv6/ioam6_iptunnel.c ioam6_do_encap",
    ("seg6", "encap"): "net/ipv6/seg6_iptunnel.c __seg6_do_srh_encap",
    ("seg6", "l2encap"): "net/ipv6/seg6_iptunnel.c __seg6_do_srh_encap",
    ("seg6", "encap.red"): "net/ipv6/seg6_iptunnel.c seg6_do_srh_encap_red",
    ("seg6", "l2encap.red"): "net/ipv6/seg6_iptunnel.c seg6_do_srh_encap_red",
    ("seg6", "inline"): "net/ipv6/seg6_iptunnel.c __seg6_do_srh_inline",
    ("rpl", "inline"): "net/ipv6/rpl_iptunnel.c rpl_do_srh_inline",
}
L2_COW_FUNCTION: dict[str, str] = {
    "ioam6": "net/ipv6/ioam6_iptunnel.c ioam6_output",
    "seg6": "net/ipv6/seg6_iptunnel.c seg6_input_core",
    "rpl": "net/ipv6/rpl_iptunnel.c rpl_input",
}
IP6_FORWARD = "net/ipv6/ip6_output.c ip6_forward"
IP6_FINISH_OUTPUT2 = "net/ipv6/ip6_output.c ip6_finish_output2"


@dataclass(frozen=True)
class Step:
    """One place on the path where the headroom is checked or changed."""

    where: str
    """Kernel file and function."""
    action: str
    """What the code does there, in the kernel's terms."""
    headroom_before: int
    """skb_headroom() before the step, bytes."""
    headroom_after: int
    """skb_headroom() after the step, bytes."""
    needed: int | None = None
    """Headroom asked for by a cow/expand check, bytes (None for a pull/push)."""
    expansion_bytes: int = 0
    """Bytes pskb_expand_head added in front (0: no reallocation here)."""
    unconditional: bool = False
    """A reallocation that happens whatever the headroom (seg6 l2encap's pskb_expand_head)."""

    @property
    def realloc(self) -> bool:
        """Whether this step reallocates the skb head."""
        return self.expansion_bytes > 0 or self.unconditional


@dataclass(frozen=True)
class PacketTrace:
    """The headroom history of one forwarded packet."""

    protocol: str
    """ioam6, seg6, rpl or ipv6."""
    mode: str
    """Encap mode (ioam6 auto is encap for a forwarded packet)."""
    inserted: int
    """Bytes the route inserts (lwtbench.packets.overhead.inserted_bytes)."""
    platform: Platform
    """Receive/transmit side."""
    variant: CodeVariant
    """Kernel code variant."""
    steps: tuple[Step, ...]
    """Every step in path order."""

    @property
    def reallocs(self) -> int:
        """Number of head reallocations (pskb_expand_head calls) for this packet."""
        return sum(1 for s in self.steps if s.realloc)

    @property
    def headroom_reallocs(self) -> int:
        """Reallocations caused by missing headroom (l2encap's unconditional one excluded)."""
        return sum(1 for s in self.steps if s.expansion_bytes > 0 and not s.unconditional)

    @property
    def expansions(self) -> list[int]:
        """Bytes added by each reallocation, in path order (l2encap's one: mac_len)."""
        return [s.expansion_bytes for s in self.steps if s.realloc]

    @property
    def double_realloc(self) -> bool:
        """Whether missing headroom made the kernel reallocate twice or more (the paper's bug)."""
        return self.headroom_reallocs >= 2

    @property
    def final_headroom(self) -> int:
        """Headroom when the neighbour layer pushes the Ethernet header."""
        return self.steps[-1].headroom_after


def _cow(where: str, what: str, headroom: int, needed: int, pad: int) -> Step:
    """__skb_cow: grow by ALIGN(needed - headroom, NET_SKB_PAD) if short."""
    delta = needed - headroom if needed > headroom else 0
    grow = align(delta, pad) if delta else 0
    return Step(where, what, headroom, headroom + grow, needed, grow)


def _finish_output2(headroom: int, plat: Platform) -> Step:
    hh_len = plat.ll_reserved_space
    grow = 0
    if hh_len > headroom and plat.egress_has_header_ops:
        grow = align(hh_len - headroom, plat.smp_cache_bytes)  # skb_expand_head: SKB_DATA_ALIGN
    return Step(
        IP6_FINISH_OUTPUT2,
        f"LL_RESERVED_SPACE(dev) = {hh_len} > headroom? skb_expand_head(skb, {hh_len})",
        headroom,
        headroom + grow,
        hh_len,
        grow,
    )


def _forward(headroom: int, plat: Platform) -> Step:
    hhl = plat.egress_hard_header_len
    return _cow(
        IP6_FORWARD,
        f"skb_cow(skb, dst->dev->hard_header_len = {hhl})",
        headroom,
        hhl,
        plat.net_skb_pad,
    )


def _encap_steps(
    protocol: str,
    mode: str,
    inserted: int,
    headroom: int,
    plat: Platform,
    var: CodeVariant,
) -> list[Step]:
    steps: list[Step] = []
    pad = plat.net_skb_pad
    ll = plat.ll_reserved_space
    mac_len = plat.ingress_mac_len
    series = protocol in var.overhead_from_cache
    # IOAM inline leaves the destination, hence the route and its lwtstate, unchanged.
    dst_unchanged = protocol == "ioam6" and mode == "inline"
    cached = var.cache_filled(protocol, dst_unchanged)
    fn = ENCAP_FUNCTION[(protocol, mode)]
    if mode.startswith("l2encap"):
        # seg6_do_srh: pskb_expand_head(skb, skb->mac_len, 0, GFP_ATOMIC), then
        # skb_push(skb, skb->mac_len): the inner frame starts at its MAC header.
        steps.append(
            Step(
                "net/ipv6/seg6_iptunnel.c seg6_do_srh",
                f"pskb_expand_head(skb, mac_len = {mac_len}, 0, GFP_ATOMIC), whatever the headroom",
                headroom,
                headroom + mac_len,
                None,
                mac_len,
                unconditional=True,
            )
        )
        steps.append(
            Step(
                "net/ipv6/seg6_iptunnel.c seg6_do_srh",
                f"skb_push(skb, mac_len = {mac_len}): the inner frame starts at its MAC header",
                headroom + mac_len,
                headroom,
            )
        )
    if cached and dst_unchanged and protocol in var.placeholder_when_unchanged:
        overhead, why = ll, f"placeholder hit: dst_dev_overhead(orig_dst) = {ll}"
    elif cached:
        overhead, why = ll, f"dst_dev_overhead(cache_dst) = LL_RESERVED_SPACE = {ll}"
    elif protocol in var.room_from_route_on_miss:
        # patch/fixed: on a forwarding path the carried route leaves through the egress device.
        overhead, why = ll, f"cache miss: dst_dev_overhead(orig_dst) = LL_RESERVED_SPACE = {ll}"
    elif series:
        overhead, why = mac_len, f"dst_dev_overhead(NULL) = skb->mac_len = {mac_len}"
    else:
        overhead, why = mac_len, f"skb->mac_len = {mac_len}"
    cow = _cow(
        fn,
        f"skb_cow_head(skb, len {inserted} + {why})",
        headroom,
        inserted + overhead,
        pad,
    )
    steps.append(cow)
    headroom = cow.headroom_after
    steps.append(Step(fn, f"push {inserted} B of headers", headroom, headroom - inserted))
    headroom -= inserted
    if not series or not cached:
        where = L2_COW_FUNCTION[protocol]
        if series:
            why = "cache miss: route lookup, then"
            if dst_unchanged and not var.caches_unchanged_dst:
                why = "cache miss (dst unchanged: never cached, ref-loop fix), then"
        else:
            why = "always"
        cow2 = _cow(
            where,
            f"{why} skb_cow_head(skb, LL_RESERVED_SPACE(dev) = {ll})",
            headroom,
            ll,
            pad,
        )
        steps.append(cow2)
    return steps


def simulate_inserted(
    protocol: str,
    mode: str,
    inserted: int,
    plat: Platform,
    var: CodeVariant,
) -> PacketTrace:
    """Trace a forwarded packet into which a ``protocol``/``mode`` route inserts ``inserted`` B."""
    if protocol == "ioam6" and mode == "auto":
        mode = "encap"  # ioam6_output: a forwarded skb has skb->dev, so auto means encap
    if protocol != "ipv6" and (protocol, mode) not in ENCAP_FUNCTION:
        raise ParameterError(
            "mode",
            f"{protocol} {mode}",
            "one of " + ", ".join(f"{p} {m}" for p, m in ENCAP_FUNCTION),
        )
    if inserted < 0:
        raise ParameterError("inserted", inserted, "a number of bytes >= 0")
    h = plat.rx_headroom
    steps = [
        Step("driver receive path", f"skb handed to the stack ({plat.name})", h, h),
        Step(
            "net/ethernet/eth.c eth_type_trans",
            f"pull the {plat.ingress_mac_len} B link-layer header (skb->mac_len)",
            h,
            h + plat.ingress_mac_len,
        ),
    ]
    h += plat.ingress_mac_len
    if protocol == "ipv6":
        steps.append(_forward(h, plat))
    elif protocol == "ioam6":
        steps.append(_forward(h, plat))
        steps.extend(_encap_steps(protocol, mode, inserted, steps[-1].headroom_after, plat, var))
    else:
        steps.extend(_encap_steps(protocol, mode, inserted, h, plat, var))
        steps.append(_forward(steps[-1].headroom_after, plat))
    steps.append(_finish_output2(steps[-1].headroom_after, plat))
    return PacketTrace(protocol, mode, inserted, plat, var, tuple(steps))


def simulate(
    route: Route,
    platform: Platform,
    variant: CodeVariant,
    src: str | None = None,
    dst: str | None = None,
) -> PacketTrace:
    """Trace one packet from ``src`` to ``dst`` forwarded through ``route``.

    Header sizes come from :func:`lwtbench.packets.overhead.inserted_bytes` (``dst`` matters
    for RPL's address compression).
    """
    if not isinstance(route, tuple(ROUTE_CLASSES.values())):
        raise TypeError(f"not a route: {route!r}")
    o = inserted_bytes(route, src, dst)  # 0 for plain IPv6 forwarding
    return simulate_inserted(route.protocol, route.mode, o, platform, variant)

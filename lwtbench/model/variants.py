"""Kernel code variants: how each version sizes the encap's head and whether it fills its cache.

Read from the sources (net/ipv6/{ioam6,seg6,rpl}_iptunnel.c, include/net/dst.h):

- ``vanilla`` (before the upstream series "Mitigate the two-reallocations issue for
  iptunnels", merged for 6.14): the encap calls ``skb_cow_head(skb, len + skb->mac_len)``,
  then, after the push, always ``skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev))`` (ioam6_output,
  seg6_input_core, rpl_input). Debian 6.1.192's ioam6_iptunnel.c still has this shape.
- ``mitigated`` (the series): the dst cache is read *before* the encap, whose cow is sized with
  ``dst_dev_overhead(cache_dst, skb)`` = ``LL_RESERVED_SPACE(cache_dst->dev)``, or
  ``skb->mac_len`` when the cache is empty; the L2 ``skb_cow_head`` runs only on a cache miss.
  As merged, the post-encap dst was cached in every case, even when unchanged (IOAM inline).
- ``debian-6.12`` (6.12.117 as shipped): the series plus "fix dst ref loops in rpl, seg6 and
  ioam6 lwtunnels" (Jan 2025): ``dst_cache_set_ip6`` only ``if (orig_dst->lwtstate !=
  dst->lwtstate)``. For IOAM inline the route after the insertion is the same route, so the
  cache stays empty and every packet takes the cache-miss path. seg6 and rpl change the
  destination (first segment), whose route has another lwtstate: their cache fills.
- ``debian-6.1`` (6.1.192 as shipped): seg6_iptunnel.c and rpl_iptunnel.c have the series and
  the Jan 2025 fix (dst_dev_overhead, ``cache_input``); ioam6_iptunnel.c has neither
  (vanilla shape, only the ref-loop test in its cache fill).
- ``fixed``: Debian 6.12.117 plus this project's own patch (patch/fixed/0001): on a cache
  miss, ioam6_output sizes the insertion with ``dst_dev_overhead(orig_dst)``, the route the
  packet already carries, instead of falling back to ``skb->mac_len``. When the destination is
  unchanged (IOAM inline) that route is the output route, so the room is exact and the cache
  (still never filled there, ref-loop fix) no longer matters; the first packet of any ioam6
  route benefits too. seg6 and rpl are as in debian-6.12. (Mainline fixed the same case in
  Apr 2025 differently, by caching a placeholder dst; the steady state is the same.)
- ``as-merged``: the lab kernel of ``mitigated`` (Debian 6.12.117 with patch/as-merged, which
  takes the ref-loop test out again): the same behaviour under the name of the kernel variant.
- ``debian-7.2`` (Debian 7.2.13 as shipped): the series, the ref-loop fix and upstream's
  "ioam6: fix double reallocation" (Apr 2025). When the route after the insertion is the
  packet's own route, ioam6_output caches a placeholder dst (``ilwt->null_rt``) instead of
  nothing; on a hit on the placeholder it sizes the insertion with the route the packet
  carries (``dst = orig_dst``), which is the output route. The steady state is that of a
  filled cache; the first packet through a route still finds the cache empty and falls back
  to ``skb->mac_len`` (unlike ``fixed``). seg6 and rpl are as in debian-6.12.

A ``:first`` suffix (``mitigated:first``) selects the very first packet, with an empty cache.

A :class:`CodeVariant` is what the code *does* (which cow sizes, whether the cache fills), not
how the kernel is built: the build recipe of the same name is
:class:`lwtbench.kernel.variants.KernelVariant`. They stay two objects because the model predicts
without building anything (this layer must not import ``lwtbench.kernel``), and one behaviour
has no build of its own (``mitigated``, whose lab kernel is ``as-merged``). Both take their names
from :mod:`lwtbench.variant_names`; a test checks the lists agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ParameterError

LWT_PROTOCOLS: frozenset[str] = frozenset({"ioam6", "seg6", "rpl"})


@dataclass(frozen=True)
class CodeVariant:
    """What one kernel's three lwt encaps do, as far as headroom is concerned."""

    name: str
    """Variant name used on the command line."""
    release: str
    """Which kernel this is."""
    overhead_from_cache: frozenset[str]
    """Protocols whose encap sizes its cow with dst_dev_overhead(cache_dst) (the series)."""
    caches_unchanged_dst: bool
    """Whether the cache is filled when the route after the encap is the route itself."""
    source: str
    """Files read to derive the behaviour."""
    first_packet: bool = False
    """True for the first packet through the route (empty dst cache)."""
    room_from_route_on_miss: frozenset[str] = frozenset()
    """Protocols whose encap, on a cache miss, sizes with LL_RESERVED_SPACE of the route the
    packet carries (patch/fixed) rather than with skb->mac_len."""
    placeholder_when_unchanged: frozenset[str] = frozenset()
    """Protocols that, when the route after the encap is unchanged, cache a placeholder dst
    and then size with the route the packet carries (upstream's Apr 2025 ioam6 fix)."""

    @property
    def label(self) -> str:
        """Name with the ``:first`` suffix when it is the first packet."""
        return self.name + (":first" if self.first_packet else "")

    def cache_filled(self, protocol: str, dst_unchanged: bool) -> bool:
        """Whether the encap finds its dst cache filled (steady state) for this protocol."""
        if self.first_packet or protocol not in self.overhead_from_cache:
            return False
        if dst_unchanged and protocol in self.placeholder_when_unchanged:
            return True  # the placeholder stands for the packet's own route, the output one
        return self.caches_unchanged_dst or not dst_unchanged


VARIANTS: dict[str, CodeVariant] = {
    v.name: v
    for v in (
        CodeVariant(
            "vanilla",
            "before the upstream series (6.12.117 with it reverted; shape of 6.1.192's ioam6)",
            frozenset(),
            True,
            "linux-source-6.1 net/ipv6/ioam6_iptunnel.c; the upstream series' diff (netdev, "
            '"Mitigate the two-reallocations issue for iptunnels", merged for Linux 6.14)',
        ),
        CodeVariant(
            "mitigated",
            "the upstream series as merged for 6.14 (before the Jan 2025 ref-loop fix)",
            LWT_PROTOCOLS,
            True,
            "linux-source-6.12 net/ipv6/*_iptunnel.c without the ref-loop test; include/net/dst.h",
        ),
        CodeVariant(
            "debian-6.12",
            "Debian 6.12.117: series + Jan 2025 dst ref-loop fix",
            LWT_PROTOCOLS,
            False,
            "linux-source-6.12 net/ipv6/{ioam6,seg6,rpl}_iptunnel.c, include/net/dst.h",
        ),
        CodeVariant(
            "debian-6.1",
            "Debian 6.1.192: series + fix for seg6 and rpl, ioam6 unmitigated",
            frozenset({"seg6", "rpl"}),
            False,
            "linux-source-6.1 net/ipv6/{ioam6,seg6,rpl}_iptunnel.c, include/net/dst.h",
        ),
        CodeVariant(
            "fixed",
            "Debian 6.12.117 + patch/fixed (ioam6 sizes with the carried route on a cache miss)",
            LWT_PROTOCOLS,
            False,
            "linux-source-6.12 net/ipv6/ioam6_iptunnel.c + patch/fixed/0001",
            room_from_route_on_miss=frozenset({"ioam6"}),
        ),
        CodeVariant(
            "debian-7.2",
            "Debian 7.2.13: series + ref-loop fix + Apr 2025 ioam6 placeholder dst",
            LWT_PROTOCOLS,
            False,
            "linux-source-7.2 net/ipv6/{ioam6,seg6,rpl}_iptunnel.c, include/net/dst.h",
            placeholder_when_unchanged=frozenset({"ioam6"}),
        ),
    )
}
VARIANTS["as-merged"] = replace(
    VARIANTS["mitigated"],
    name="as-merged",
    release="the series as merged, built: Debian 6.12.117 + patch/as-merged (lab kernel)",
    source="linux-source-6.12 net/ipv6/*_iptunnel.c + patch/as-merged/0001",
)


def variant(name: str) -> CodeVariant:
    """The variant called ``name`` (``NAME`` or ``NAME:first``)."""
    base, _, suffix = name.partition(":")
    if base not in VARIANTS or suffix not in ("", "first"):
        raise ParameterError(
            "kernel",
            name,
            f"one of {', '.join(VARIANTS)}, optionally with ':first' (first packet, empty cache)",
        )
    v = VARIANTS[base]
    return replace(v, first_packet=True) if suffix else v

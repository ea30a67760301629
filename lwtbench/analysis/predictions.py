"""The headroom model's predictions, in the shapes the figures and claims need.

This is the only place the analysis talks to :mod:`lwtbench.model`, so a change in the model's
interface is absorbed here. Every value returned is a prediction, and is labelled as one
wherever it is shown.

The platform of a run comes from its ``run.json``: the software lab records the receive
headroom it gives the DUT at the IPv6 header (``dut.rx_headroom``) on UML x86_64 (64 B cache
line), exactly what :func:`lab_platform` models; a hardware run
names its platform (``dut.platform``, e.g. ``x86_64/i40e``). A run that says neither gets no
prediction: the model refuses to guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from ..errors import LwtbenchError
from ..model.platforms import Platform, custom_platform, platform, rx_headroom_of
from ..model.simulate import simulate
from ..model.triggers import find_rpl_double_reallocs, route_for, triggers
from ..model.variants import variant as model_variant
from ..packets.route import route_from_dict

LAB_CACHE_LINE = 64
"""UML on x86_64: L1_CACHE_SHIFT 6 (arch/um/include/asm/cache.h), so NET_SKB_PAD = 64."""
I40E_RX_HEADROOM = 192
"""i40e on x86_64 with 4 KiB pages: bytes before the Ethernet header (SKB_WITH_OVERHEAD(2048)
- 1536, i40e_txrx.h)."""
SEG6_ENCAP_SWEEP = range(1, 41)
"""Segment counts used for the trigger lists of claim C6."""
DRIVERS_SHOWN: tuple[str, ...] = ("i40e", "ixgbe-legacy-rx", "mlx5", "virtio_net-xdp")
"""x86_64 receive drivers whose trigger lists C6 shows (one per headroom formula)."""


def provenance_section(prov: Mapping[str, object], name: str) -> dict:
    """``prov[name]``, or the same key inside ``testbed_provenance`` (campaign runs)."""
    value = prov.get(name)
    if isinstance(value, dict):
        return value
    nested = prov.get("testbed_provenance")
    if isinstance(nested, dict) and isinstance(nested.get(name), dict):
        return nested[name]
    return {}


def lab_platform(forward_headroom: int) -> Platform:
    """The lab's DUT as a model platform: UML on x86_64 (L1_CACHE_SHIFT 6, so NET_SKB_PAD 64:
    arch/um/include/asm/cache.h), Ethernet veths on both sides, ``forward_headroom`` bytes in
    front of the IPv6 header of a received packet."""
    return custom_platform(cache_line=LAB_CACHE_LINE, rx_headroom=rx_headroom_of(forward_headroom))


def lab_reallocs(route, variant: str, forward_headroom: int, src=None, dst=None) -> int:
    """Reallocations per packet the model predicts for ``route`` on a lab DUT."""
    return simulate(
        route, lab_platform(forward_headroom), model_variant(variant), src, dst
    ).reallocs


def run_platform(prov: Mapping[str, object]) -> Platform | None:
    """The model platform of a run, from its provenance (None when it does not say)."""
    testbed, dut = provenance_section(prov, "testbed"), provenance_section(prov, "dut")
    try:
        if testbed.get("kind") in ("lab", "trex_lab") and isinstance(dut.get("rx_headroom"), int):
            # The lab's dut.rx_headroom is its forward headroom (at the IPv6 header); trex_lab
            # drives the same UML DUT.
            return lab_platform(int(dut["rx_headroom"]))
        if isinstance(dut.get("platform"), str):
            return platform(str(dut["platform"]))
    except LwtbenchError:
        return None
    return None


class ModelView:
    """Predictions for the runs of one data folder (platforms taken from their provenance)."""

    def __init__(self, provenance: Mapping[str, Mapping[str, object]]) -> None:
        self.provenance = provenance
        self._routes: dict[str, dict[tuple[str, str, object], tuple]] = {}

    def _route(self, run_id: str, protocol: str, mode: str, param: int, address_set: str = ""):
        """(route, src, dst) of a point: as the run recorded it, else a same-size one."""
        if run_id not in self._routes:
            self._routes[run_id] = _recorded_routes(self.provenance.get(run_id, {}))
        found = self._routes[run_id].get((protocol, mode, address_set or param))
        if found is not None:
            return found
        if protocol in ("ioam6", "seg6"):
            # Size is all the model needs for these two; route_for builds one of that size.
            route, dst = route_for(protocol, mode, param)
            return route, None, dst
        return None

    def reallocs(
        self,
        run_id: str,
        protocol: str,
        mode: str,
        param: int,
        variant: str,
        address_set: str = "",
    ) -> int | None:
        """Predicted reallocations per packet (None: platform, variant or point unknown).

        ``address_set`` names an RPL point's address set (its ``address_set`` label).
        """
        trace = self._trace(run_id, protocol, mode, int(param), variant, address_set)
        return None if trace is None else trace.reallocs

    def _trace(
        self, run_id: str, protocol: str, mode: str, param: int, variant: str, address_set: str = ""
    ):
        plat = run_platform(self.provenance.get(run_id, {}))
        if plat is None:
            return None
        try:
            var = model_variant(variant)
            found = self._route(run_id, protocol, mode, param, address_set)
            if found is None:
                return None
            route, src, dst = found
            return simulate(route, plat, var, src, dst)
        except (LwtbenchError, ValueError):
            return None

    def doubles(
        self, run_id: str, protocol: str, mode: str, params: Iterable[int], variant: str
    ) -> list[int] | None:
        """Parameters the model predicts a double reallocation at, for this run's platform."""
        out = []
        for p in params:
            trace = self._trace(run_id, protocol, mode, int(p), variant)
            if trace is None:
                return None
            if trace.double_realloc:
                out.append(int(p))
        return out

    def platform_name(self, run_id: str) -> str | None:
        plat = run_platform(self.provenance.get(run_id, {}))
        return None if plat is None else plat.name

    @staticmethod
    def cache_line_triggers(cache_line: int) -> list[int]:
        """SRv6 encap double points, x86-like platform with ``cache_line`` and i40e's headroom."""
        return _seg6_encap_triggers(custom_platform(cache_line, I40E_RX_HEADROOM))

    @staticmethod
    def driver_triggers() -> dict[str, tuple[int, list[int]]]:
        """Driver -> (receive headroom, SRv6 encap double points) on x86_64."""
        out = {}
        for name in DRIVERS_SHOWN:
            plat = platform(f"x86_64/{name}")
            out[name] = (plat.rx_headroom, _seg6_encap_triggers(plat))
        return out

    @staticmethod
    def rpl_possible() -> str | None:
        """The smallest RPL configuration that reallocates twice on x86_64/i40e, described."""
        return _rpl_possible()


@cache
def _rpl_possible() -> str | None:
    # Uncompressed intermediate addresses (CmprI 0) reach a trigger size with the fewest
    # segments; searching every CmprI/CmprE pair costs seconds and finds no smaller header.
    found = find_rpl_double_reallocs(
        platform("x86_64/i40e"),
        model_variant("vanilla"),
        segment_counts=range(1, 31),
        compressions=[(0, e) for e in range(16)],
    )
    if not found:
        return None
    c = found[0]
    return (
        f"x86_64/i40e vanilla: {c.segments} segments with CmprI={c.cmpri}, "
        f"CmprE={c.cmpre} ({c.inserted} B header) reallocate twice (prediction)"
    )


@cache
def _seg6_encap_triggers(plat: Platform) -> list[int]:
    return triggers("seg6", "encap", plat, model_variant("vanilla"), SEG6_ENCAP_SWEEP)


def _recorded_routes(prov: Mapping[str, object]) -> dict[tuple[str, str, object], tuple]:
    """(protocol, mode, address set name or param) -> (route, src, dst), from the points a run
    recorded in its ``run.json`` (``points``); RPL points are keyed by their address set's
    name, since a set's index depends on the order of the sets in the campaign file."""
    table: dict[tuple[str, str, object], tuple] = {}
    points = prov.get("points")
    if not isinstance(points, list):
        return table
    for record in points:
        try:
            route = route_from_dict(record["route"])
            labels = record.get("labels") or {}
            key = labels.get("address_set", int(record["param"]))
            table[(route.protocol, route.mode, key)] = (route, record["src"], record["dst"])
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a point the model cannot rebuild gets no prediction
    return table


def model_view(provenance: Mapping[str, Mapping[str, object]]) -> ModelView | None:
    """A :class:`ModelView` over the runs' provenance (None if the model cannot be loaded)."""
    return ModelView(provenance)

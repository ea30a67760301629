"""How long a campaign keeps a testbed busy, before anyone books one: ``--dry-run``'s estimate.

The traffic time of a rate search depends on how many trials the search asks for, which
depends on the search settings and on the DUT. The estimate runs the campaign's own search
(MLRsearch, or the stepped sweep) against the simulated DUT of :mod:`lwtbench.search.simulated`
(a threshold at ``capacity_pps`` with 0.5 % trial-to-trial jitter; a model, no traffic) a few
times and sums the trial durations it asked for. A real DUT, whose loss grows gradually above
its capacity, can make MLRsearch ask for more trials: read the result as the traffic of a
well-behaved DUT, and the per-trial overhead and reboots as the rest of the wall time.

Kernel boots are counted on the runner's own plan (:func:`lwtbench.scenario.campaign.plan`):
a boot wherever the next search is on another kernel than the one before, which is
repetitions x kernels for ``order: random`` and one or two a block of points for ``order:
interleaved``. What a boot and a trial cost besides traffic depends on the testbed
(:func:`costs_for`): minutes for a server, about a second for a lab UML kernel. Adaptive rounds
(``max_repetitions``) are decided by the results, so the estimate gives their upper bound
apart.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from ..search.simulated import SimulatedDut
from .campaign import Campaign, PlannedSearch, SearchSpec, plan, plan_round

PAPER_BASELINE_PPS = 1_000_000.0
"""The DUT capacity the simulated searches find: the paper's plain IPv6 baseline (claim C3,
one core)."""
TRIAL_OVERHEAD_S = 0.5
"""Wall time per trial besides its traffic (starting and stopping the generator, reading its
counters): a guess for TRex's stateless API, to be replaced by a measured value."""
REBOOT_S = 180.0
"""Wall time to boot the DUT into another kernel and settle (a guess for a server)."""
TRAFFIC_BUDGET_S = 8 * 3600.0
"""The traffic a hardware campaign may need to be worth running (``paper`` stays below it)."""


@dataclass(frozen=True)
class TestbedCosts:
    """Wall time a testbed spends besides traffic."""

    trial_overhead_s: float
    """Per trial: starting and stopping the generator, reading counters, seconds."""
    reboot_s: float
    """Per kernel boot, seconds."""
    basis: str
    """Where the two numbers come from."""


SERVER_COSTS = TestbedCosts(
    TRIAL_OVERHEAD_S, REBOOT_S, "guesses for TRex and a server DUT (no measured value yet)"
)
LAB_COSTS = TestbedCosts(
    trial_overhead_s=0.4,
    reboot_s=1.0,
    basis=(
        "software lab, measured on an idle 2-core host: a UML kernel boots in 0.4-1.0 s "
        "(boot_s in the lab runs' run.json); a saturation search (a warm-up and a burst) took "
        "0.87 s, about 0.4 s a trial besides its nominal traffic (the quiet first minutes of "
        "an unshipped sweep, 2026-11-30; other work on the host's CPUs made it 2-3x slower)"
    ),
)
"""The software lab (``kind: lab``)."""
TREX_LAB_COSTS = TestbedCosts(
    trial_overhead_s=0.55,
    reboot_s=0.5,
    basis=(
        "TRex -> UML DUT, measured on an idle 2-core host: data/trex-lab/20261130-trex-lab-1514 "
        "ran 672 bursts of 1 s in 1,050 s with 49 kernel switches (bursts 1.5 s apart within "
        "a kernel, 2.0 s across a switch)"
    ),
)
"""The real TRex server driving the lab's UML DUT (``kind: trex_lab``)."""


def costs_for(kind: str | None) -> TestbedCosts:
    """The costs of a testbed file's ``kind`` (a server's guesses unless it is a lab kind)."""
    return {"lab": LAB_COSTS, "trex_lab": TREX_LAB_COSTS}.get(kind or "", SERVER_COSTS)


def kernel_boots(searches: list[PlannedSearch]) -> int:
    """Kernel boots the runner makes for ``searches`` in this order: one for the first search
    and one wherever a search is on another kernel than the one before (the runner keeps the
    running kernel otherwise)."""
    kernels = [s.kernel_variant for s in searches]
    return sum(1 for i, k in enumerate(kernels) if i == 0 or kernels[i - 1] != k)


@dataclass(frozen=True)
class SearchCost:
    """What one search of the campaign costs on the simulated DUT."""

    traffic_s: float
    """Mean traffic time of one search, seconds (sum of its trials' durations)."""
    traffic_max_s: float
    """Longest of the simulated searches, seconds."""
    trials: float
    """Mean number of trials of one search."""
    simulations: int
    """Searches simulated to get the means."""


@dataclass(frozen=True)
class SweepShare:
    """One line of the breakdown: a protocol and mode on a set of kernels."""

    what: str
    """``ioam6 inline``, ``seg6 encap``, ``ipv6`` ..."""
    kernels: tuple[str, ...]
    """Kernels these points are measured on."""
    points: int
    """Points per kernel."""
    searches: int
    """points x kernels x repetitions."""
    traffic_s: float
    """searches x the mean traffic of one search, seconds."""


@dataclass(frozen=True)
class CampaignEstimate:
    """Traffic and wall time of a whole campaign, with its breakdown."""

    campaign: str
    """Campaign name."""
    repetitions: int
    """Searches per point and kernel."""
    search: SearchCost
    """Cost of one search."""
    shares: tuple[SweepShare, ...]
    """Breakdown per protocol, mode and kernel set, in file order."""
    kernel_boots: int
    """Times the DUT boots a kernel in the base rounds, counted on the runner's plan."""
    costs: TestbedCosts
    """Per-trial overhead and boot time of the testbed."""
    adaptive_rounds: int = 0
    """Adaptive rounds past the base ones (``max_repetitions - repetitions``)."""
    adaptive_searches_max: int = 0
    """At most this many searches in them (every point needing every round)."""
    adaptive_boots_max: int = 0
    """At most this many kernel boots in them."""

    @property
    def trial_overhead_s(self) -> float:
        return self.costs.trial_overhead_s

    @property
    def reboot_s(self) -> float:
        return self.costs.reboot_s

    @property
    def searches(self) -> int:
        return sum(s.searches for s in self.shares)

    @property
    def traffic_s(self) -> float:
        """Traffic time of the campaign, seconds."""
        return sum(s.traffic_s for s in self.shares)

    @property
    def overhead_s(self) -> float:
        """Per-trial overhead and reboots, seconds."""
        return self.searches * self.search.trials * self.trial_overhead_s + (
            self.kernel_boots * self.reboot_s
        )

    @property
    def wall_s(self) -> float:
        """Wall time of the base rounds, seconds."""
        return self.traffic_s + self.overhead_s

    @property
    def adaptive_wall_max_s(self) -> float:
        """Wall time the adaptive rounds add at most, seconds."""
        per_search = self.search.traffic_s + self.search.trials * self.trial_overhead_s
        return self.adaptive_searches_max * per_search + self.adaptive_boots_max * self.reboot_s

    def lines(self, indent: str = "  ") -> list[str]:
        """The estimate as ``--dry-run`` prints it: totals, then one line per share."""
        s = self.search
        out = [
            f"{indent}estimated traffic: {_hours(self.traffic_s)} = {self.searches} searches"
            f" x {s.traffic_s:.1f} s ({s.trials:.1f} trials a search, at most "
            f"{s.traffic_max_s:.1f} s, simulated DUT at {PAPER_BASELINE_PPS / 1e6:g} Mpps)",
            f"{indent}estimated wall time: {_hours(self.wall_s)} (+ {self.trial_overhead_s:g}"
            f" s a trial, {self.kernel_boots} kernel boots x {self.reboot_s:g} s)",
            f"{indent}  (costs besides traffic: {self.costs.basis})",
        ]
        if self.adaptive_rounds:
            out.append(
                f"{indent}adaptive rounds: up to {self.adaptive_rounds} more where two kernels "
                f"are not yet told apart or together, at most {self.adaptive_searches_max} "
                f"searches and {self.adaptive_boots_max} kernel boots "
                f"(+ {_hours(self.adaptive_wall_max_s)} at most; usually far fewer)"
            )
        out.append(f"{indent}breakdown (points x kernels x {self.repetitions} repetitions):")
        width = max((len(x.what) for x in self.shares), default=0)
        names = {x: f"({', '.join(x.kernels)})" for x in self.shares}
        kwidth = max((len(n) for n in names.values()), default=0)
        for x in self.shares:
            out.append(
                f"{indent}  {x.what:<{width}}  {x.points:>3} x {len(x.kernels)} "
                f"{names[x]:<{kwidth}}  {x.searches:>5} searches  {x.traffic_s / 3600:5.2f} h"
            )
        return out


def _hours(seconds: float) -> str:
    """``1.2 h`` or, below an hour, ``25.0 min`` (a lab campaign's scale)."""
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def search_cost(
    search: SearchSpec, capacity_pps: float = PAPER_BASELINE_PPS, simulations: int = 8
) -> SearchCost:
    """Traffic of one search with ``search``'s settings on the simulated DUT (seeds 0..n-1)."""
    totals, trials = [], []
    for seed in range(simulations):
        dut = SimulatedDut(capacity_pps, seed=seed, jitter=0.005)
        outcome = search.run(dut)
        totals.append(sum(t.duration_s for t in outcome.trials))
        trials.append(len(outcome.trials))
    return SearchCost(
        traffic_s=statistics.fmean(totals),
        traffic_max_s=max(totals),
        trials=statistics.fmean(trials),
        simulations=simulations,
    )


def estimate_campaign(
    campaign: Campaign,
    capacity_pps: float = PAPER_BASELINE_PPS,
    costs: TestbedCosts = SERVER_COSTS,
    simulations: int = 8,
    seed: int | None = None,
) -> CampaignEstimate:
    """The traffic and wall time of ``campaign``, per protocol, mode and kernel set, with its
    kernel boots counted on the plan of ``seed`` (default: the campaign's, else 0)."""
    cost = search_cost(campaign.search, capacity_pps, simulations)
    points: dict[tuple[str, tuple[str, ...]], int] = defaultdict(int)
    for p in campaign.points:
        what = p.protocol if p.protocol == "ipv6" else f"{p.protocol} {p.mode}"
        points[(what, campaign.kernels_for(p))] += 1
    shares = []
    for (what, kernels), n in points.items():
        searches = n * len(kernels) * campaign.repetitions
        shares.append(SweepShare(what, kernels, n, searches, searches * cost.traffic_s))
    seed = seed if seed is not None else (campaign.seed or 0)
    searches = plan(campaign, seed)
    extra = [
        plan_round(campaign, seed, rep)
        for rep in range(campaign.repetitions, campaign.max_repetitions or 0)
    ]
    # A round of fewer points has fewer blocks, but its kernel order need not continue the
    # round before: at most one boot a kernel and block.
    blocks = -(-len(campaign.points) // (campaign.block_points or 1))
    return CampaignEstimate(
        campaign=campaign.name,
        repetitions=campaign.repetitions,
        search=cost,
        shares=tuple(shares),
        kernel_boots=kernel_boots(searches),
        costs=costs,
        adaptive_rounds=len(extra),
        adaptive_searches_max=sum(len(r) for r in extra),
        adaptive_boots_max=len(extra) * blocks * len(campaign.kernels),
    )

"""How long a campaign keeps a testbed busy, before anyone books one: ``--dry-run``'s estimate.

The traffic time of a rate search depends on how many trials the search asks for, which
depends on the search settings and on the DUT. The estimate runs the campaign's own search
(MLRsearch, or the stepped sweep) against the simulated DUT of :mod:`lwtbench.search.simulated`
(a threshold at ``capacity_pps`` with 0.5 % trial-to-trial jitter; a model, no traffic) a few
times and sums the trial durations it asked for. A real DUT, whose loss grows gradually above
its capacity, can make MLRsearch ask for more trials: read the result as the traffic of a
well-behaved DUT, and the per-trial overhead and reboots as the rest of the wall time.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from ..search.simulated import SimulatedDut
from .campaign import Campaign, SearchSpec

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
    kernel_blocks: int
    """Times the DUT boots another kernel (repetitions x kernels, the runner's ABAB order)."""
    trial_overhead_s: float
    """Wall time per trial besides traffic, seconds."""
    reboot_s: float
    """Wall time per kernel boot, seconds."""

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
            self.kernel_blocks * self.reboot_s
        )

    @property
    def wall_s(self) -> float:
        return self.traffic_s + self.overhead_s

    def lines(self, indent: str = "  ") -> list[str]:
        """The estimate as ``--dry-run`` prints it: totals, then one line per share."""
        s = self.search
        out = [
            f"{indent}estimated traffic: {self.traffic_s / 3600:.1f} h = {self.searches} searches"
            f" x {s.traffic_s:.1f} s ({s.trials:.1f} trials a search, at most "
            f"{s.traffic_max_s:.0f} s, simulated DUT at {PAPER_BASELINE_PPS / 1e6:g} Mpps)",
            f"{indent}estimated wall time: {self.wall_s / 3600:.1f} h (+ {self.trial_overhead_s:g}"
            f" s a trial, {self.kernel_blocks} kernel boots x {self.reboot_s:g} s)",
            f"{indent}breakdown (points x kernels x {self.repetitions} repetitions):",
        ]
        width = max((len(x.what) for x in self.shares), default=0)
        names = {x: f"({', '.join(x.kernels)})" for x in self.shares}
        kwidth = max((len(n) for n in names.values()), default=0)
        for x in self.shares:
            out.append(
                f"{indent}  {x.what:<{width}}  {x.points:>3} x {len(x.kernels)} "
                f"{names[x]:<{kwidth}}  {x.searches:>5} searches  {x.traffic_s / 3600:5.2f} h"
            )
        return out


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
    trial_overhead_s: float = TRIAL_OVERHEAD_S,
    reboot_s: float = REBOOT_S,
    simulations: int = 8,
) -> CampaignEstimate:
    """The traffic and wall time of ``campaign``, per protocol, mode and kernel set."""
    cost = search_cost(campaign.search, capacity_pps, simulations)
    points: dict[tuple[str, tuple[str, ...]], int] = defaultdict(int)
    for p in campaign.points:
        what = p.protocol if p.protocol == "ipv6" else f"{p.protocol} {p.mode}"
        points[(what, campaign.kernels_for(p))] += 1
    shares = []
    for (what, kernels), n in points.items():
        searches = n * len(kernels) * campaign.repetitions
        shares.append(SweepShare(what, kernels, n, searches, searches * cost.traffic_s))
    used = {k for _, kernels in points for k in kernels}
    return CampaignEstimate(
        campaign=campaign.name,
        repetitions=campaign.repetitions,
        search=cost,
        shares=tuple(shares),
        kernel_blocks=campaign.repetitions * len(used),
        trial_overhead_s=trial_overhead_s,
        reboot_s=reboot_s,
    )

"""A saturation trial: one burst at a load well above what the DUT forwards, and its rate.

Why a whole sweep uses this instead of a search: MLRsearch spends about 6 s of lab time per
point and repetition finding the highest load that meets a loss goal (8 to 12 trials), so the
paper's full sweeps (IOAM 4-244 B, SRv6 1-24 segments) on three kernels would take hours. The
quantity the sweep figures compare is the forwarded rate of one point against its neighbours
and against another kernel: when the offered load is above the DUT's capacity, what comes out
of the DUT per second *is* its forwarding capacity at that point, and one trial measures it.
The search's precision is traded for repetitions in an interleaved order
(:mod:`lwtbench.runs.adaptive` decides how many), and a sample of points is cross-checked
against MLRsearch (``benchmarks/lab_sweep.py``), because a DUT under overload may forward less
than its loss-free rate (RFC 2544 section 26.1 defines throughput at no loss, not under
overload).

Loss accounting is the measurement core's (:attr:`TrialResult.loss_ratio`): packets the
generator was asked for but did not send in time count as lost, the same rule MLRsearch sees.
That is what makes one rule fit both kinds of generator:

- an independent generator (TRex) sends the asked load and the DUT drops the excess, so the
  loss is the DUT's drops;
- the lab's generator is pktgen inside the DUT's own kernel: an overloaded DUT drops nothing,
  it slows the generator down (the lab testbed counts the packets sent after the intended
  duration as not sent), so the loss is the generator's shortfall, which the DUT's
  forwarding causes. The forwarded rate is then received / pktgen's elapsed time.

A burst is *saturating* when its loss ratio is at least :attr:`SaturationSettings.min_loss_ratio`
(default 0.1: the generator offered at least 1.11 times what came out). A burst that is not
saturating measured the offered load, not the DUT: its rate is a lower bound and it is
reported as such (``saturating: false`` with the search; no upper bound). Redoing it with
MLRsearch would not help: the campaign's load is the highest one asked of the generator (on
TRex it is capped at the generator's measured ceiling), so MLRsearch would reach the same
top load.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from .outcome import GoalOutcome, SearchOutcome
from .trial import Measurer, TrialResult

SEARCH_NAME = "saturation"
GOAL_NAME = "saturation"


@dataclass(frozen=True)
class SaturationSettings:
    """One saturation trial per search."""

    load_pps: float = 14_880_952.0
    """Load asked of the generator, packets per second: well above the DUT's capacity
    (default: 10 GbE line rate of 64 B frames; the lab uses 3 Mpps against 1-1.6 Mpps)."""
    duration_s: float = 1.0
    """Intended duration of the burst, seconds (the lab's pktgen takes longer: it is slowed
    down by the DUT, and the rate is taken over its elapsed time)."""
    warmup_s: float = 0.0
    """A warm-up trial at the same load before the burst (recorded, never used; 0: none).
    The first packets after a route change pay for neighbour and route cache lookups."""
    min_loss_ratio: float = 0.1
    """A burst with a smaller loss ratio is flagged as not saturating."""

    def __post_init__(self) -> None:
        for name in ("load_pps", "duration_s"):
            if not getattr(self, name) > 0:
                raise ParameterError(name, getattr(self, name), "must be positive")
        if self.warmup_s < 0:
            raise ParameterError("warmup_s", self.warmup_s, "must be 0 or more")
        if not 0 < self.min_loss_ratio < 1:
            raise ParameterError("min_loss_ratio", self.min_loss_ratio, "between 0 and 1")

    def attributes(self) -> dict[str, object]:
        return {
            "load_pps": self.load_pps,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "min_loss_ratio": self.min_loss_ratio,
        }


def is_saturating(trial: TrialResult, min_loss_ratio: float) -> bool:
    """True when the generator offered well above what the DUT forwarded (see the module
    docstring): the trial's loss ratio, unsent packets included, is ``min_loss_ratio`` or more."""
    return trial.loss_ratio >= min_loss_ratio


def saturation_search(measurer: Measurer, settings: SaturationSettings) -> SearchOutcome:
    """One (optional warm-up and one) burst at ``settings.load_pps``; the forwarded rate is
    the result, flagged when the burst was not saturating."""
    trials: list[TrialResult] = []
    if settings.warmup_s > 0:
        # The recording measurer marks the next trial as a warm-up (as for MLRsearch's).
        if hasattr(measurer, "next_is_warmup"):
            measurer.next_is_warmup = True
        trials.append(measurer.measure(settings.load_pps, settings.warmup_s))
    trial = measurer.measure(settings.load_pps, settings.duration_s)
    trials.append(trial)
    rate = trial.forwarded_rate_pps
    saturating = is_saturating(trial, settings.min_loss_ratio)
    goal = GoalOutcome(
        name=GOAL_NAME,
        attributes=settings.attributes()
        | {"saturating": saturating, "trial_loss_ratio": trial.loss_ratio},
        lower_bound_pps=rate,
        # Saturated, the forwarded rate is the most the DUT forwarded at this load; not
        # saturated, it only says the DUT forwards at least this much.
        upper_bound_pps=rate if saturating else None,
        throughput_pps=rate,
    )
    return SearchOutcome(search=SEARCH_NAME, goals=(goal,), trials=tuple(trials))

"""MLRsearch vs the paper group's stepped sweep: trials and traffic time for the same precision.

On the seeded simulated DUT (default) both searches look for the highest zero-loss load with
the same precision (10 kpps, the sweep's fine step) and the same final trial duration (30 s,
as in the group's artifacts); the script prints the trials and the traffic time each needed.
The simulated DUT is a model with a known capacity, so the found rates can be checked; its
timings are trial durations, not wall-clock measurements of a testbed.

With ``--testbed lab`` both searches run on one point of the software lab (a UML kernel with
pktgen, :class:`lwtbench.testbeds.lab.testbed.LabTestbed`) through the same measurement core, with
short trials (0.5 s); it prints trials, traffic time, wall time and the bounds
each found (root; the kernel comes from the cache).

    .venv/bin/python -m benchmarks.search_compare [--seed 1] [--duts 8] [--jitter 0]
    sudo .venv/bin/python -m benchmarks.search_compare --testbed lab [--segments 13]
        [--kernel vanilla] [--duration 0.5] [--loss-ratio 0.01] [--repeat 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from MLRsearch import SearchGoal

from lwtbench.packets.route import PlainRoute, Seg6Route
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.search import mlr
from lwtbench.search.mlr import MlrSettings, mlr_search
from lwtbench.search.simulated import SimulatedDut
from lwtbench.search.stepped import SteppedSettings, stepped_sweep
from lwtbench.search.trial import Measurer

PRECISION_PPS = 10_000.0
TRIAL_S = 30.0
MAX_LOAD_PPS = 14_880_952.0


def compare(capacity_pps: float, seed: int, jitter: float, slope: float) -> list[dict[str, object]]:
    rows = []
    dut = SimulatedDut(capacity_pps, seed=seed, jitter=jitter, overload_slope=slope)
    stepped = stepped_sweep(
        dut,
        SteppedSettings(fine_step_pps=PRECISION_PPS, duration_s=TRIAL_S, max_load_pps=MAX_LOAD_PPS),
    )
    g = stepped.goals[0]
    rows.append(
        {
            "method": "stepped 100k/10k",
            "trials": len(stepped.trials),
            "trial_time_s": stepped.trial_time_s,
            "found_pps": g.lower_bound_pps,
            "width_pps": g.upper_bound_pps - g.lower_bound_pps,
        }
    )
    # Same precision: MLRsearch's width is relative to the upper bound.
    goal = SearchGoal(
        loss_ratio=0.0,
        exceed_ratio=0.0,
        relative_width=PRECISION_PPS / (capacity_pps + PRECISION_PPS),
        initial_trial_duration=1.0,
        final_trial_duration=TRIAL_S,
        duration_sum=TRIAL_S,
        preceding_targets=2,
        expansion_coefficient=2,
        fail_fast=False,
    )
    mlr.GOALS["bench"] = goal
    try:
        dut = SimulatedDut(capacity_pps, seed=seed, jitter=jitter, overload_slope=slope)
        outcome = mlr_search(
            dut,
            MlrSettings(goals=("bench",), max_load_pps=MAX_LOAD_PPS, search_duration_max_s=600.0),
        )
    finally:
        del mlr.GOALS["bench"]
    g = outcome.goal("bench")
    rows.append(
        {
            "method": "MLRsearch 1.2.1",
            "trials": len(outcome.trials),
            "trial_time_s": outcome.trial_time_s,
            "found_pps": g.lower_bound_pps,
            "width_pps": g.upper_bound_pps - g.lower_bound_pps,
        }
    )
    return rows


# -- the software lab ----------------------------------------------------------------------
LAB_MAX_LOAD_PPS = 2_000_000.0
"""Highest load tried in the lab: above what pktgen + DUT reach in one UML kernel (measured
on the lab host: ~1.6 Mpps plain IPv6, ~0.93 Mpps SRv6 encap with 13 segments, 1514 B)."""
LAB_COARSE_PPS = 100_000.0


def lab_point(segments: int) -> ScenarioPoint:
    if segments == 0:
        return ScenarioPoint(PlainRoute(), "none", 0)
    segs = tuple(f"2001:db8:5::{i + 1:x}" for i in range(segments))
    return ScenarioPoint(Seg6Route("encap", segs), "segments", segments)


def lab_searches(
    measurer: Measurer, duration_s: float, loss_ratio: float
) -> list[dict[str, object]]:
    """The stepped sweep, then MLRsearch asked for the same absolute precision at the load
    the sweep found (MLRsearch's width is relative to its upper bound)."""
    rows = []
    started = time.monotonic()
    stepped = stepped_sweep(
        measurer,
        SteppedSettings(
            coarse_step_pps=LAB_COARSE_PPS,
            fine_step_pps=PRECISION_PPS,
            max_load_pps=LAB_MAX_LOAD_PPS,
            duration_s=duration_s,
            loss_ratio=loss_ratio,
        ),
    )
    rows.append(_lab_row("stepped 100k/10k", stepped, stepped.goals[0], started))
    found = max(stepped.goals[0].lower_bound_pps or 0.0, LAB_COARSE_PPS)
    goal = SearchGoal(
        loss_ratio=loss_ratio,
        exceed_ratio=0.0,
        relative_width=PRECISION_PPS / (found + PRECISION_PPS),
        initial_trial_duration=duration_s / 5,
        final_trial_duration=duration_s,
        duration_sum=duration_s,
        preceding_targets=2,
        expansion_coefficient=2,
        fail_fast=False,
    )
    mlr.GOALS["bench"] = goal
    started = time.monotonic()
    try:
        outcome = mlr_search(
            measurer,
            MlrSettings(
                goals=("bench",), max_load_pps=LAB_MAX_LOAD_PPS, search_duration_max_s=600.0
            ),
        )
    finally:
        del mlr.GOALS["bench"]
    rows.append(_lab_row("MLRsearch 1.2.1", outcome, outcome.goal("bench"), started))
    return rows


def _lab_row(method: str, outcome, goal, started: float) -> dict[str, object]:
    lower, upper = goal.lower_bound_pps, goal.upper_bound_pps
    return {
        "method": method,
        "trials": len(outcome.trials),
        "trial_time_s": outcome.trial_time_s,
        "wall_s": time.monotonic() - started,
        "found_pps": lower or 0.0,
        "upper_pps": upper,
        "width_pps": (upper - lower) if lower and upper else None,
    }


def main_lab(args: argparse.Namespace) -> int:
    from lwtbench.testbeds.lab.testbed import LabTestbed

    point = lab_point(args.segments)
    testbed = LabTestbed(nic=args.nic, flavour=args.flavour, variants=(args.kernel,))
    try:
        facts = testbed.use_kernel(args.kernel)
        print(
            f"\nsoftware lab: {point.point_id} on {facts['release']} ({args.flavour}), NIC "
            f"profile {args.nic}; precision {PRECISION_PPS:.0f} pps, final trials "
            f"{args.duration:g} s, loss {args.loss_ratio:g} (late packets count as lost)"
        )
        print(
            f"{'rep':>3} {'method':<17} {'trials':>6} {'trial_time_s':>12} {'wall_s':>7} "
            f"{'found_pps':>10} {'upper_pps':>10} {'width_pps':>9}"
        )
        totals: dict[str, list[tuple[float, float]]] = {}
        with testbed.prepare(point) as measurer:
            for rep in range(args.repeat):
                for row in lab_searches(measurer, args.duration, args.loss_ratio):
                    method = str(row["method"])
                    totals.setdefault(method, []).append(
                        (float(row["trial_time_s"]), float(row["wall_s"]))
                    )
                    upper = "-" if row["upper_pps"] is None else f"{row['upper_pps']:.0f}"
                    width = "-" if row["width_pps"] is None else f"{row['width_pps']:.0f}"
                    print(
                        f"{rep:>3} {method:<17} {row['trials']:>6} "
                        f"{row['trial_time_s']:>12.2f} {row['wall_s']:>7.1f} "
                        f"{row['found_pps']:>10.0f} {upper:>10} {width:>9}"
                    )
    finally:
        testbed.close()
    for method, times in totals.items():
        print(
            f"mean per search, {method}: {statistics.mean(t for t, _ in times):.2f} s of "
            f"traffic, {statistics.mean(w for _, w in times):.1f} s wall"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="seed of the DUT capacities")
    parser.add_argument("--duts", type=int, default=8, help="simulated DUTs to compare on")
    parser.add_argument("--jitter", type=float, default=0.0, help="relative capacity sigma")
    parser.add_argument(
        "--overload-slope",
        type=float,
        nargs="*",
        default=[0.0, 0.5],
        help="overload models to run (0: forwards exactly its capacity when overloaded)",
    )
    parser.add_argument(
        "--testbed",
        choices=("simulated", "lab"),
        default="simulated",
        help="simulated DUTs (default) or one point of the software lab (root)",
    )
    lab = parser.add_argument_group("--testbed lab")
    lab.add_argument("--segments", type=int, default=13, help="SRv6 encap segments (0: IPv6)")
    lab.add_argument("--kernel", default="vanilla", help="lab kernel variant")
    lab.add_argument("--nic", default="i40e", help="NIC profile (lwtbench.testbeds.lab.nic)")
    lab.add_argument("--flavour", default="timing", choices=("timing", "counting"))
    # Measured on the 2-core lab host: pktgen's elapsed time now and then overshoots by
    # 2.5-3.7 ms whatever the load (host scheduling); 0.5 s trials and 1 % keep that from
    # failing a load on its own, 0.1 s trials and 0.5 % did not (found rates 430-780 kpps).
    lab.add_argument("--duration", type=float, default=0.5, help="final trial duration, s")
    lab.add_argument("--loss-ratio", type=float, default=0.01, help="loss a passing load may have")
    lab.add_argument("--repeat", type=int, default=1, help="pairs of searches to run")
    args = parser.parse_args(argv)
    if args.testbed == "lab":
        return main_lab(args)
    rng = random.Random(args.seed)
    capacities = [round(rng.uniform(0.3e6, 3e6), -3) + 567 for _ in range(args.duts)]
    for slope in args.overload_slope:
        print(
            f"\nsimulated DUTs (seed {args.seed}, jitter {args.jitter}, overload slope "
            f"{slope}); precision {PRECISION_PPS:.0f} pps, final trials {TRIAL_S:.0f} s, "
            "loss 0"
        )
        print(
            f"{'capacity_pps':>12} {'method':<17} {'trials':>6} {'trial_time_s':>12} "
            f"{'found_pps':>11} {'width_pps':>9}"
        )
        totals: dict[str, list[float]] = {}
        for cap in capacities:
            for row in compare(cap, args.seed, args.jitter, slope):
                totals.setdefault(str(row["method"]), []).append(float(row["trial_time_s"]))
                print(
                    f"{cap:>12.0f} {row['method']:<17} {row['trials']:>6} "
                    f"{row['trial_time_s']:>12.0f} {row['found_pps']:>11.0f} "
                    f"{row['width_pps']:>9.0f}"
                )
        for method, times in totals.items():
            print(f"mean trial time, {method}: {statistics.mean(times):.0f} s per search")
    return 0


if __name__ == "__main__":
    sys.exit(main())

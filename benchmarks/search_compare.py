"""MLRsearch vs the paper group's stepped sweep, on the seeded simulated DUT.

Both searches look for the highest zero-loss load with the same precision (10 kpps, the
sweep's fine step) and the same final trial duration (30 s, as in the group's artifacts); the
script prints the trials and the traffic time each needed. The simulated DUT is a model with
a known capacity, so the found rates can be checked; its timings are trial durations, not
wall-clock measurements of a testbed.

    .venv/bin/python -m benchmarks.search_compare [--seed 1] [--duts 8] [--jitter 0]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys

from MLRsearch import SearchGoal

from lwtbench.search import mlr
from lwtbench.search.mlr import MlrSettings, mlr_search
from lwtbench.search.simulated import SimulatedDut
from lwtbench.search.stepped import SteppedSettings, stepped_sweep

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
    args = parser.parse_args(argv)
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

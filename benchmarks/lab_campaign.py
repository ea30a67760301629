"""Time of the full ``paper`` campaign's reallocation counts on the four lab kernels.

    sudo .venv/bin/python -m benchmarks.lab_campaign [--campaign paper] [--nic i40e]
        [--kernels vanilla debian-6.12 fixed debian-6.1] [--data DIR]

Runs ``lwtbench lab run`` in-process (kernels come from the cache, built when absent) and
prints the wall time per kernel and in all, the points per second, and whether every count
matched the model. Goal (issue 5): <= 20 min on 2 cores for four kernels.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from lwtbench.analysis.counts_model import count_mismatches
from lwtbench.results.store import RunStore
from lwtbench.runs.counts import CountSettings, count_run_provenance, run_counts
from lwtbench.scenario.campaign import load_campaign
from lwtbench.testbeds.lab.nic import nic_profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", default="paper")
    parser.add_argument("--nic", default="i40e")
    parser.add_argument(
        "--kernels", nargs="+", default=["vanilla", "debian-6.12", "fixed", "debian-6.1"]
    )
    parser.add_argument("--data", help="keep the run here (default: a temporary folder)")
    parser.add_argument("--packets", type=int, default=200)
    args = parser.parse_args(argv)

    campaign = load_campaign(args.campaign)
    nic = nic_profile(args.nic)
    settings = CountSettings(packets=args.packets)
    root = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="lwtb-bench-"))
    store = RunStore.create(
        root / f"lab-{campaign.name}-counts" / "bench",
        count_run_provenance(campaign, args.kernels, nic, settings),
    )
    started = time.monotonic()
    summary = run_counts(campaign.points, args.kernels, nic, store, settings)
    total = time.monotonic() - started
    points = len(campaign.points)
    print(
        f"campaign {campaign.name}: {points} points x {len(args.kernels)} kernels, nic {nic.name}"
    )
    for kernel, seconds in summary.seconds.items():
        print(
            f"  {kernel:12s} {seconds:7.1f} s  (boot {summary.boot_s[kernel]:.2f} s, "
            f"{points / seconds:.2f} points/s)"
        )
    print(f"  total        {total:7.1f} s  ({total / 60:.1f} min; goal <= 20 min)")
    mismatches = count_mismatches(store.rows, store.provenance)
    print(f"  model check: {len(mismatches)} mismatches in {summary.rows} points")
    for m in mismatches:
        print(f"    {m}")
    print(f"  rows in {store.directory}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())

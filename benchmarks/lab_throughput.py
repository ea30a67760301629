"""Paired-round forwarding cost at the trigger points, vanilla vs fixed, on timing kernels.

    sudo .venv/bin/python -m benchmarks.lab_throughput [--rounds 30] [--points seg6:encap:13 ...]
        [--kernels vanilla fixed] [--flavour timing] [--output FILE]

For each point: alternate the kernels in blocks of rounds, measure N-1, N, N+1 (shuffled) with
pktgen at full rate, and print the median excess t(N)/mean(t(N-1),t(N+1)) - 1 with its 95 %
bootstrap interval per kernel, whether vanilla's interval lies above fixed's (resolved), and
the wall time. UML's effect size shows presence, position and sign, not the size on i40e.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from lwtbench.results.store import utc_now
from lwtbench.runs.pairedrounds import resolved
from lwtbench.runs.provenance import project_provenance
from lwtbench.runs.rounds import RoundSettings, run_rounds
from lwtbench.testbeds.lab.nic import nic_profile

PAPER_POINTS = (
    "seg6:encap:13",
    "seg6:encap:17",
    "seg6:encap.red:14",
    "ioam6:encap:196:192:204",
    "ioam6:encap:200:192:204",
    "ioam6:inline:236:232:244",
    "ioam6:inline:240:232:244",
    "seg6:encap:21",
    "seg6:encap.red:18",
    "seg6:encap.red:22",
    "rpl:inline:30",
)
"""protocol:mode:N[:below:above]: every vanilla trigger point of the paper campaign with the
i40e profile (SRv6 1..24 segments, IOAM 4..244 B, the RPL set compress-8-30seg = rpl N 30);
IOAM triggers come in pairs, so their neighbours lie outside the pair."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", nargs="+", default=list(PAPER_POINTS))
    parser.add_argument("--kernels", nargs=2, default=["vanilla", "fixed"])
    parser.add_argument("--rounds", type=int, default=40)
    # 40 rounds of 200k packets resolved every point (shipped data); 30 x 40k resolved one.
    parser.add_argument("--packets", type=int, default=200000)
    parser.add_argument("--frame-size", type=int, default=1514)
    parser.add_argument("--flavour", default="timing")
    parser.add_argument("--nic", default="i40e")
    parser.add_argument("--rounds-per-boot", type=int, default=10)
    parser.add_argument("--output", help="write all measurements as JSON")
    args = parser.parse_args(argv)

    nic = nic_profile(args.nic)
    started = time.monotonic()
    out = []
    for spec in args.points:
        protocol, mode, param, *around = spec.split(":")
        settings = RoundSettings(
            protocol=protocol,
            mode=mode,
            param=int(param),
            below=int(around[0]) if around else None,
            above=int(around[1]) if around else None,
            rounds=args.rounds,
            packets=args.packets,
            frame_size=args.frame_size,
            flavour=args.flavour,
            rounds_per_boot=args.rounds_per_boot,
        )
        result = run_rounds(settings, tuple(args.kernels), nic)
        a, b = (result.estimates[k] for k in args.kernels)
        print(f"{spec} ({args.frame_size} B, {args.rounds} rounds, {result.seconds:.0f} s):")
        for k, e in result.estimates.items():
            print(
                f"  {k:12s} {100 * e.median_excess:+6.1f} % "
                f"[{100 * e.ci_low:+.1f}, {100 * e.ci_high:+.1f}]"
            )
        print(f"  resolved (intervals apart): {resolved(a, b)}")
        out.append(result.to_dict())
    print(f"total {time.monotonic() - started:.0f} s")
    if args.output:
        doc = {
            "command": ["python", "-m", "benchmarks.lab_throughput", *(argv or sys.argv[1:])],
            "project": project_provenance(),
            "created": utc_now(),
            "total_s": round(time.monotonic() - started, 1),
            "points": out,
        }
        Path(args.output).write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

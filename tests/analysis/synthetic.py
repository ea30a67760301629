"""Synthetic runs for tests ONLY: invented numbers, written under pytest's tmp_path.

Nothing here is a measurement and nothing is ever written to ``data/``: the provenance says
``testbed.kind = synthetic-test-fixture`` so a figure drawn from it says so in its corner.
Runs go through the real results store, so the analysis reads them the way it reads the lab's.
"""

from __future__ import annotations

import random
from pathlib import Path

from lwtbench.results.schema import SearchRecord, TrialRow
from lwtbench.results.store import RunStore

FIXTURE_PROVENANCE = {
    "testbed": {"kind": "synthetic-test-fixture"},
    "note": "invented by tests/analysis/synthetic.py; not a measurement",
}


def _row(**kw) -> TrialRow:
    base = dict(
        frame_size=1514,
        kernel_release="0.0-fixture",
        search="stepped",
        goal="stepped-0",
        negative_loss=False,
        warmup=False,
        reallocs_per_packet=None,
        timestamp="2026-01-01T00:00:00+00:00",
        extra={},
    )
    base.update(kw)
    base["search_id"] = f"{base['kernel_variant']}/{base['repetition']}/{base['point_id']}"
    return TrialRow(**base)


def point_id(protocol: str, mode: str, param_name: str, param: int, tag: str = "") -> str:
    """A point id as ScenarioPoint builds it (``tag`` = ``key=value`` labels)."""
    return f"{protocol}/{mode}/{param_name}={param}/fs=1514" + (f",{tag}" if tag else "")


def write_rate_run(
    directory: Path,
    protocol: str,
    mode: str,
    param_name: str,
    params: list[int],
    drops: dict[int, float],
    kind: str = "synthetic-test-fixture",
    variants: tuple[str, ...] = ("vanilla", "patched"),
    repetitions: int = 3,
    capacity_pps: float = 1.0e6,
    seed: int = 1,
    dut: dict | None = None,
    slower: dict[str, dict[int, float]] | None = None,
    jitter: float = 0.002,
) -> Path:
    """A stepped-sweep run: vanilla loses ``drops[param]`` (a fraction) of its capacity, and
    any variant named in ``slower`` loses ``slower[variant][param]``. Each search records its
    throughput (the capacity, the fixture's answer), as the real searches do."""
    rng = random.Random(seed)
    prov: dict = {**FIXTURE_PROVENANCE, "testbed": {"kind": kind}}
    if dut:
        prov["dut"] = dict(dut)
    store = RunStore.create(directory, prov)
    loads = [capacity_pps * f / 10 for f in range(5, 13)]
    for variant in variants:
        for rep in range(repetitions):
            for p in params:
                cap = capacity_pps * (1 - 0.002 * p)
                if variant == "vanilla":
                    cap *= 1 - drops.get(p, 0.0)
                cap *= 1 - (slower or {}).get(variant, {}).get(p, 0.0)
                cap *= 1 + rng.uniform(-jitter, jitter)
                for i, load in enumerate(loads):
                    duration = 1.0
                    sent = round(load * duration)
                    received = min(sent, round(cap * duration))
                    store.append_trial(
                        _row(
                            point_id=point_id(protocol, mode, param_name, p),
                            protocol=protocol,
                            mode=mode,
                            param_name=param_name,
                            param=p,
                            kernel_variant=variant,
                            repetition=rep,
                            trial_index=i,
                            intended_load_pps=load,
                            duration_s=duration,
                            sent=sent,
                            received=received,
                            loss_ratio=1 - received / sent,
                        )
                    )
                pid = point_id(protocol, mode, param_name, p)
                store.append_search(
                    SearchRecord(
                        search_id=f"{variant}/{rep}/{pid}",
                        point_id=pid,
                        kernel_variant=variant,
                        kernel_release="0.0-fixture",
                        repetition=rep,
                        search="stepped",
                        trials=len(loads),
                        trial_time_s=float(len(loads)),
                        goals={
                            "stepped-0": {"throughput_pps": cap, "attributes": {"loss_ratio": 0}}
                        },
                        timestamp="2026-01-01T00:00:00+00:00",
                    )
                )
    return directory


def write_count_run(
    directory: Path,
    protocol: str,
    mode: str,
    param_name: str,
    counts: dict[str, dict[int, float]],
    tags: dict[int, str] | None = None,
    kind: str = "synthetic-test-fixture",
) -> Path:
    """A counting run: one low-rate trial per point and variant with the given reallocs.

    ``tags`` gives a point's labels by parameter (``address_set=big`` for RPL).
    """
    store = RunStore.create(directory, {**FIXTURE_PROVENANCE, "testbed": {"kind": kind}})
    for variant, per_param in counts.items():
        for p, reallocs in per_param.items():
            store.append_trial(
                _row(
                    point_id=point_id(protocol, mode, param_name, p, (tags or {}).get(p, "")),
                    protocol=protocol,
                    mode=mode,
                    param_name=param_name,
                    param=p,
                    kernel_variant=variant,
                    repetition=0,
                    trial_index=0,
                    intended_load_pps=1000.0,
                    duration_s=1.0,
                    sent=1000,
                    received=1000,
                    loss_ratio=0.0,
                    reallocs_per_packet=reallocs,
                )
            )
    return directory


def srv6_counts(segments: range) -> dict[str, dict[int, float]]:
    """Vanilla double at 13, 17, 21 ... (upstream's list), patched single everywhere."""
    vanilla = {n: 2.0 if n >= 13 and (n - 13) % 4 == 0 else 1.0 for n in segments}
    patched = {n: 1.0 + (0.001 if vanilla[n] == 2.0 else 0.0) for n in segments}
    return {"vanilla": vanilla, "patched": patched}


def write_paper_like_data(root: Path) -> Path:
    """A data folder with every kind of run the figures use (all synthetic)."""
    write_rate_run(
        root / "fixture-srv6" / "run1",
        "seg6",
        "encap",
        "segments",
        list(range(10, 19)),
        {13: 0.25, 17: 0.2},
    )
    write_rate_run(
        root / "fixture-ioam" / "run1",
        "ioam6",
        "encap",
        "trace_size",
        list(range(184, 212, 4)),
        {196: 0.2, 200: 0.2},
        seed=2,
    )
    write_rate_run(
        root / "fixture-ipv6" / "run1",
        "ipv6",
        "none",
        "none",
        [0],
        {},
        seed=3,
        variants=("vanilla",),
    )
    write_count_run(
        root / "fixture-counts" / "run1", "seg6", "encap", "segments", srv6_counts(range(10, 19))
    )
    return root

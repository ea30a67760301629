"""Every run under a data folder, loaded once: trials as one DataFrame, provenance per run.

Loading goes through :mod:`lwtbench.results.load`, which refuses corrupt or foreign files with
a message naming the file and the fix; this module only gathers runs and labels each one with
the testbed it comes from, so a figure made from the lab is never mistaken for the paper's
hardware.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputFileError
from ..results.load import find_runs, load_run
from ..results.schema import COLUMNS
from .rounds import ROUNDS_COLUMNS, load_rounds

SEARCH_COLUMNS: tuple[str, ...] = (
    "run_id",
    "point_id",
    "protocol",
    "kernel_variant",
    "repetition",
    "search",
    "goal",
    "throughput_pps",
    "loss_ratio",
)


@dataclass(frozen=True)
class Dataset:
    """The runs found under one data folder."""

    root: Path
    """The data folder given by the user (``data/`` in a clone)."""
    trials: pd.DataFrame
    """Every trial of every run, schema columns plus ``run_id`` (path below ``root``)."""
    provenance: dict[str, dict[str, object]] = field(default_factory=dict)
    """``run_id`` -> that run's ``run.json``."""
    searches: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SEARCH_COLUMNS))
    """One row per finished search and goal: ``run_id``, ``point_id``, ``protocol``,
    ``kernel_variant``, ``repetition``, ``search``, ``goal``, ``throughput_pps`` and the goal's
    ``loss_ratio`` (NaN when the goal does not record one)."""
    rounds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROUNDS_COLUMNS))
    """The software lab's paired-round estimates (see :mod:`lwtbench.analysis.rounds`)."""

    @property
    def run_ids(self) -> list[str]:
        return sorted(self.provenance)

    def testbed_of(self, run_id: str) -> str:
        """One-line testbed description of a run (see :func:`testbed_label`)."""
        return testbed_label(self.provenance.get(run_id, {}))

    def stamp_for(self, run_ids) -> str:
        """Corner stamp for a figure drawn from ``run_ids``: each distinct testbed once."""
        labels = []
        for rid in sorted(set(run_ids)):
            label = f"{self.testbed_of(rid)} [data/{rid}]"
            if label not in labels:
                labels.append(label)
        return "; ".join(labels) if labels else "no data"


def find_run_dirs(root: Path) -> list[Path]:
    """Directories below ``root`` holding a ``run.json`` (a run), sorted."""
    return find_runs(root)  # refuses a folder of trials without its run.json


def load_dataset(root: Path) -> Dataset:
    """Load every run under ``root``; an absent or empty folder gives an empty dataset."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise InputFileError(root, "is not a directory", "give the data folder, e.g. --data data")
    frames = []
    searches: list[dict[str, object]] = []
    provenance: dict[str, dict[str, object]] = {}
    for directory in find_run_dirs(root):
        run = load_run(directory)
        run_id = directory.relative_to(root).as_posix()
        provenance[run_id] = dict(run.provenance)
        if run.rows:
            frame = pd.DataFrame([asdict(r) for r in run.rows])
            frame.insert(0, "run_id", run_id)
            frames.append(frame)
        for rec in run.searches:
            for goal, result in rec.goals.items():
                value = result.get("throughput_pps") if isinstance(result, dict) else None
                attrs = result.get("attributes") if isinstance(result, dict) else None
                loss = attrs.get("loss_ratio") if isinstance(attrs, dict) else None
                searches.append(
                    {
                        "run_id": run_id,
                        "point_id": rec.point_id,
                        "protocol": rec.point_id.split("/", 1)[0],
                        "kernel_variant": rec.kernel_variant,
                        "repetition": rec.repetition,
                        "search": rec.search,
                        "goal": goal,
                        "throughput_pps": float(value) if value is not None else float("nan"),
                        "loss_ratio": float(loss) if loss is not None else float("nan"),
                    }
                )
    if frames:
        trials = pd.concat(frames, ignore_index=True)
    else:
        trials = pd.DataFrame(columns=["run_id", *COLUMNS])
    trials["reallocs_per_packet"] = pd.to_numeric(trials["reallocs_per_packet"], errors="coerce")
    return Dataset(
        root=root,
        trials=trials,
        provenance=provenance,
        searches=pd.DataFrame(searches, columns=list(SEARCH_COLUMNS)),
        rounds=load_rounds(root),
    )


def testbed_label(prov: dict[str, object]) -> str:
    """Short, honest description of where a run was measured, from its ``run.json``.

    The software lab says so, with the receive headroom it emulates; a hardware run names its
    testbed kind, CPU and NIC as recorded. Unknown parts are said to be unknown.
    """
    from .predictions import provenance_section

    testbed, dut = provenance_section(prov, "testbed"), provenance_section(prov, "dut")
    kind = str(testbed.get("kind") or "unknown testbed")
    if kind in ("trex_lab", "lab"):
        # trex_lab: the real TRex server towards the lab's UML DUT, its own label, never hardware
        parts = [
            str(testbed.get("label") or "TRex -> UML DUT (software lab)")
            if kind == "trex_lab"
            else "software lab: UML kernels, veth + pktgen"
        ]
        if dut.get("rx_headroom") is not None:
            profile = testbed.get("nic_profile") or "NIC"
            parts.append(f"{profile} headroom emulated ({dut['rx_headroom']} B at IPv6)")
        if dut.get("host_cpu"):
            parts.append(f"host {dut['host_cpu']}")
        return ", ".join(parts)
    if kind == "vm" or testbed.get("dut_kind") == "vm":  # (or TRex towards the virtual DUT)
        # a real kernel and driver on an emulated NIC: every stamp says it is no hardware
        label = testbed.get("label") or "virtual DUT (QEMU), not hardware"
        return f"{label}, {testbed.get('accelerator') or 'accelerator unknown'}, " + (
            f"platform {dut.get('platform') or 'unknown'}"
        )
    parts = [kind]
    for key in ("platform", "cpu", "nic", "driver"):
        value = dut.get(key)
        if isinstance(value, dict):
            value = " ".join(str(v) for v in value.values() if isinstance(v, str | int))
        if value:
            parts.append(f"{key} {value}")
    if len(parts) == 1 and kind != "unknown testbed":
        parts.append("DUT not described in run.json")
    return ", ".join(parts)

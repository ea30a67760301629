"""What the data folder holds, reduced once, and which *kind of evidence* each run is.

A claim's part is decided from the kinds of evidence it accepts (``claims.yaml``), so every run
is classified here from its ``run.json``, never from its folder name:

- ``lab counts``: head reallocations per packet counted in the software lab (GCOV per call
  site in User-Mode Linux kernels);
- ``probe counts``: reallocations counted on a real kernel by ``lwtbench probe`` (ftrace);
- ``virtual DUT counts``: reallocations counted with ftrace in a kernel running as a QEMU
  guest, receiving through a paravirtual NIC driver (``lwtbench vm count``); a real kernel
  and driver, an emulated NIC: never hardware;
- ``lab rates``: rate searches in the software lab (pktgen in the DUT's UML kernel);
- ``TRex -> UML DUT (software lab)``: rate searches with the real TRex server generating
  traffic towards a software DUT (the lab's UML kernel, or a namespace);
- ``hardware rates``: rate searches with TRex towards a hardware DUT;
- ``lab paired rounds``: the lab's paired timing rounds (extra cost at a trigger point).

A testbed kind this module does not know is never taken for hardware: its rates count as the
software lab's, and its stamp still names its own kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..model.platforms import platform
from .dataset import Dataset, load_dataset
from .predictions import ModelView, model_view, provenance_section, run_platform
from .rates import rate_summary
from .reallocs import reallocs_per_point

LAB_COUNTS = "lab counts"
PROBE_COUNTS = "probe counts"
VM_COUNTS = "virtual DUT counts"
LAB_RATES = "lab rates"
TREX_LAB_RATES = "TRex -> UML DUT (software lab)"
VM_TREX_RATES = "TRex -> virtual DUT (QEMU)"
"""Rates with the real TRex server towards the virtual DUT (``kind: trex`` with a ``vm:``
section, run.json ``testbed.dut_kind: vm``): accepted by no claim, never hardware."""
HARDWARE_RATES = "hardware rates"
LAB_ROUNDS = "lab paired rounds"
EVIDENCE_KINDS: tuple[str, ...] = (
    LAB_COUNTS,
    PROBE_COUNTS,
    VM_COUNTS,
    LAB_RATES,
    TREX_LAB_RATES,
    HARDWARE_RATES,
    LAB_ROUNDS,
)
"""Every kind of evidence a claim's part may accept (``claims.yaml`` names them)."""

COUNT_KINDS: tuple[str, ...] = (LAB_COUNTS, PROBE_COUNTS, VM_COUNTS)
RATE_KINDS: tuple[str, ...] = (LAB_RATES, TREX_LAB_RATES, HARDWARE_RATES)


def _testbed_kind(prov: Mapping[str, object]) -> str:
    testbed = provenance_section(prov, "testbed")
    return str(testbed.get("kind") or testbed.get("name") or "unknown")


def _software_dut(prov: Mapping[str, object]) -> bool:
    """A TRex run whose DUT is the software lab (a namespace, a UML kernel), not a server."""
    testbed, dut = provenance_section(prov, "testbed"), provenance_section(prov, "dut")
    if testbed.get("dut_kind") in ("lab", "software") or dut.get("software") is True:
        return True
    words = str(dut.get("kind", "")).lower()
    return any(w in words for w in ("user-mode linux", "namespace", "veth", "software lab"))


def rate_kind(prov: Mapping[str, object]) -> str:
    """The evidence kind of a run's rate searches."""
    kind = _testbed_kind(prov).lower()
    if kind in ("trex-lab", "trex_lab"):
        return TREX_LAB_RATES
    if kind == "trex" and provenance_section(prov, "testbed").get("dut_kind") == "vm":
        return VM_TREX_RATES
    if kind == "trex":
        return TREX_LAB_RATES if _software_dut(prov) else HARDWARE_RATES
    if kind == "hardware":
        return HARDWARE_RATES
    return LAB_RATES


def count_kind(prov: Mapping[str, object]) -> str:
    """The evidence kind of a run's reallocation counts."""
    kind = _testbed_kind(prov).lower()
    if kind == "vm":
        return VM_COUNTS
    return PROBE_COUNTS if kind == "probe" else LAB_COUNTS


def paper_headroom(platform_name: str) -> int:
    """Headroom at the IPv6 header of the paper's DUT, from the model's platform catalog (the
    driver's receive headroom plus the pulled Ethernet header: 192 + 14 = 206 B for i40e)."""
    return platform(platform_name).forward_headroom


@dataclass(frozen=True, order=True)
class ReceiveSide:
    """What sets a DUT's trigger points besides the cache line: the headroom at the IPv6
    header and the egress LL_RESERVED_SPACE (16 for Ethernet NICs, 32 for virtio-net, whose
    needed_headroom is 12)."""

    headroom: int
    ll_reserved_space: int = 16

    def __str__(self) -> str:
        if self.ll_reserved_space == 16:
            return f"{self.headroom} B"
        return f"{self.headroom} B/LL {self.ll_reserved_space}"


@dataclass(frozen=True)
class Context:
    """Everything the evaluators (and the figures) read, computed once per data folder."""

    data: Dataset
    """Every run under the data folder."""
    rates: pd.DataFrame
    """Search throughput per point and kernel, mean and 95 % interval over repetitions, with
    the highest received rate as a cross-check (:func:`lwtbench.analysis.rates.rate_summary`)."""
    reallocs: pd.DataFrame
    """Reallocations per packet per point and variant (see analysis.reallocs)."""
    model: ModelView | None
    """The headroom model's predictions, or None when the model is unavailable."""

    def kind_of_rates(self, run_id: str) -> str:
        return rate_kind(self.data.provenance.get(str(run_id), {}))

    def kind_of_counts(self, run_id: str) -> str:
        return count_kind(self.data.provenance.get(str(run_id), {}))

    def rates_of(self, kinds: Iterable[str]) -> pd.DataFrame:
        """Rate rows of runs whose evidence kind is one of ``kinds``."""
        kinds = set(kinds)
        if self.rates.empty:
            return self.rates
        keep = [r for r in self.rates["run_id"].unique() if self.kind_of_rates(r) in kinds]
        return self.rates[self.rates["run_id"].isin(keep)]

    def counts_of(self, kinds: Iterable[str]) -> pd.DataFrame:
        """Count rows of runs whose evidence kind is one of ``kinds``."""
        kinds = set(kinds)
        if self.reallocs.empty:
            return self.reallocs
        keep = [r for r in self.reallocs["run_id"].unique() if self.kind_of_counts(r) in kinds]
        return self.reallocs[self.reallocs["run_id"].isin(keep)]

    def rx_headroom(self, run_id: str, default: int) -> int:
        """Headroom at the IPv6 header a run had: what the lab records, else its platform's
        (from the model's catalog), else ``default`` (the paper's, for runs that say
        neither)."""
        prov = self.data.provenance.get(str(run_id), {})
        headroom = provenance_section(prov, "dut").get("rx_headroom")
        if isinstance(headroom, int):
            return headroom
        plat = run_platform(prov)
        return plat.forward_headroom if plat is not None else default

    def receive_side(self, run_id: str, default: int) -> ReceiveSide:
        """:meth:`rx_headroom` with the egress LL_RESERVED_SPACE of the run's platform."""
        plat = run_platform(self.data.provenance.get(str(run_id), {}))
        ll = plat.ll_reserved_space if plat is not None else 16
        return ReceiveSide(self.rx_headroom(run_id, default), ll)

    def platform_name(self, run_id: str) -> str | None:
        """The model platform a run names (``dut.platform``), if any."""
        value = provenance_section(self.data.provenance.get(str(run_id), {}), "dut").get("platform")
        return value if isinstance(value, str) else None


def build_context(data_dir: Path) -> Context:
    """Load ``data_dir`` and reduce it for the evaluators and the figures."""
    return context_from_dataset(load_dataset(Path(data_dir)))


def context_from_dataset(data: Dataset) -> Context:
    return Context(
        data=data,
        rates=rate_summary(data.searches, data.trials),
        reallocs=reallocs_per_point(data.trials),
        model=model_view(data.provenance),
    )


def run_note(ctx: Context, run_id: str) -> str:
    """One line per run for the table's provenance section: the testbed, the kinds of
    evidence the run gives, its kernels, when and from which project commit."""
    prov = ctx.data.provenance.get(str(run_id))
    if prov is None:  # a paired-rounds file, not a run folder
        return "software lab: UML timing kernels, pktgen, paired rounds (lab paired rounds)"
    kinds = []
    trials = ctx.data.trials
    rows = trials[trials["run_id"] == run_id] if not trials.empty else trials
    if not rows.empty and rows["reallocs_per_packet"].notna().any():
        kinds.append(count_kind(prov))
    if not ctx.rates.empty and run_id in set(ctx.rates["run_id"]):
        kinds.append(rate_kind(prov))
    kernels = sorted(rows["kernel_variant"].unique()) if not rows.empty else []
    text = ctx.data.testbed_of(run_id)
    if kinds:
        text += f"; evidence: {', '.join(kinds)}"
    if kernels:
        text += f"; kernels: {', '.join(str(k) for k in kernels)}"
    created = prov.get("created")
    project = provenance_section(prov, "project")
    commit = prov.get("project_commit") or project.get("project_commit") or project.get("commit")
    if created:
        text += f"; created {created}"
    if commit:
        text += f"; project commit {str(commit)[:12]}"
    return text

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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..model.platforms import platform
from .dataset import Dataset, load_dataset
from .predictions import ModelView, model_view, provenance_section, run_platform
from .rates import rate_summary, throughput_per_repetition
from .reallocs import reallocs_per_point
from .verdicts import Settings

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


def paper_receive_side(platform_name: str) -> ReceiveSide:
    """The receive side of the paper's DUT, from the model's platform catalog."""
    plat = platform(platform_name)
    return ReceiveSide(plat.forward_headroom, plat.ll_reserved_space)


@dataclass(frozen=True)
class Context:
    """Everything the evaluators (and the figures) read, computed once per data folder."""

    data: Dataset
    """Every run under the data folder."""
    rates: pd.DataFrame
    """Search throughput per point and kernel, mean and 95 % interval over repetitions, with
    the highest received rate as a cross-check (:func:`lwtbench.analysis.rates.rate_summary`)."""
    repetitions: pd.DataFrame
    """Search throughput of every repetition (a round, in a run with rounds) per point and
    kernel (:func:`lwtbench.analysis.rates.throughput_per_repetition`): what kernels are
    compared on (:mod:`lwtbench.analysis.comparisons`)."""
    reallocs: pd.DataFrame
    """Reallocations per packet per point and variant (see analysis.reallocs)."""
    model: ModelView | None
    """The headroom model's predictions, or None when the model is unavailable."""

    def kind_of_rates(self, run_id: str) -> str:
        return rate_kind(self.data.provenance.get(str(run_id), {}))

    def kind_of_counts(self, run_id: str) -> str:
        return count_kind(self.data.provenance.get(str(run_id), {}))

    def campaign_order(self, run_id: str) -> str:
        """The order its campaign measured a run in (``random``, ``sequential`` or
        ``interleaved``: rounds of blocks measured on every kernel in turn); ``random`` when
        run.json does not say (the campaign default)."""
        campaign = provenance_section(self.data.provenance.get(str(run_id), {}), "campaign")
        content = campaign.get("content")
        order = campaign.get("order") or (content.get("order") if isinstance(content, dict) else "")
        return str(order or "random")

    def repetitions_of(self, kinds: Iterable[str]) -> pd.DataFrame:
        """Per-repetition rate rows of runs whose evidence kind is one of ``kinds``."""
        return _of_kinds(self.repetitions, set(kinds), self.kind_of_rates)

    def counts_of(self, kinds: Iterable[str]) -> pd.DataFrame:
        """Count rows of runs whose evidence kind is one of ``kinds``."""
        return _of_kinds(self.reallocs, set(kinds), self.kind_of_counts)

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


def _of_kinds(frame: pd.DataFrame, kinds: set[str], kind_of: Callable[[str], str]) -> pd.DataFrame:
    """The rows of ``frame`` whose run's kind (``kind_of(run_id)``) is one of ``kinds``."""
    if frame.empty:
        return frame
    keep = [r for r in frame["run_id"].unique() if kind_of(r) in kinds]
    return frame[frame["run_id"].isin(keep)]


def build_context(data_dir: Path) -> Context:
    """Load ``data_dir`` and reduce it for the evaluators and the figures."""
    return context_from_dataset(load_dataset(Path(data_dir)))


def context_from_dataset(data: Dataset) -> Context:
    per_repetition = throughput_per_repetition(data.searches, data.trials)
    return Context(
        data=data,
        rates=rate_summary(data.searches, data.trials, per_repetition),
        repetitions=per_repetition,
        reallocs=reallocs_per_point(data.trials),
        model=model_view(data.provenance),
    )


def run_note(ctx: Context, run_id: str, settings: Settings | None = None) -> str:
    """One line per run for the table's provenance section: the testbed, the kinds of
    evidence the run gives, the rule its rates are compared by (with ``settings``), its
    kernels, when and from which project commit."""
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
    if settings is not None and rate_kind(prov) in kinds:
        order = ctx.campaign_order(run_id)
        text += f"; rates compared by: {settings.rule_for(order)} (campaign order {order})"
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

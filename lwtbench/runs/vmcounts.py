"""Count campaigns on the virtual DUT: reallocations per packet through a real NIC driver.

For each kernel (a linux-image .deb), the virtual DUT of :mod:`lwtbench.vm` boots it (QEMU's
direct kernel boot), every point of the campaign is measured by the guest probe
(:mod:`lwtbench.testbeds.guest_probe`: frames from the host through the guest's virtio-net NIC,
ftrace counts in the guest), one ``trials.csv`` row per point (``search = vm-count``), and the
VM stops. The model platform of the run is the guest's receive driver for the campaign's
frame size (:func:`lwtbench.model.platforms.virtio_net_platform`, given by the caller), recorded as
``dut.platform`` so that the analysis compares every count with the model
(:mod:`lwtbench.analysis.counts_model`) exactly as for a hardware run. The run is labelled a
virtual DUT everywhere: QEMU emulates the NIC; the kernel and its driver are real.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import LwtbenchError, ParameterError
from ..results.schema import TrialRow
from ..results.store import RunStore
from ..scenario.campaign import Campaign
from ..search.trial import TrialResult, search_id
from ..testbeds.guest_probe import GuestWindow, guest_session, measure_point
from ..vm.debkernel import kernel_from_deb
from ..vm.image import create_image
from ..vm.machine import QEMU, MachineConfig, kvm_usable, start_machine, stop_machine
from .counts import counted_row
from .lock import run_lock
from .provenance import point_inserted_bytes, run_inputs, run_provenance

SEARCH_NAME = "vm-count"
"""``search`` column of the rows: one counted window per point, no rate search."""
TESTBED_KIND = "vm"
LABEL = "virtual DUT (QEMU), not hardware"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class VmCountSettings:
    """How each point is counted and where the VM runs."""

    packets: int = 200
    """Packets in the counted window."""
    machine: str = "vmcount"
    """Name of the virtual DUT (its taps and folder)."""
    boot_timeout_s: float = 600.0
    platform: str = "x86_64/virtio_net-copy"
    """The model platform the campaign's frames meet on the guest's NIC, recorded as
    ``dut.platform`` (the caller derives it from the frame sizes:
    :func:`lwtbench.model.platforms.virtio_net_platform`)."""


@dataclass
class VmCountSummary:
    """What a run did, per kernel."""

    rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    boot_s: dict[str, float] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    """``kernel point: measured X, model Y``, filled by the caller, which compares the run
    with the model (the runner does not import it); empty: every count equals the model."""


def sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def qemu_version() -> str:
    proc = subprocess.run([QEMU, "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.splitlines()[0].strip() if proc.stdout else "unknown"


def check_kernels(kernels: Mapping[str, Path]) -> None:
    """Every package exists (before any boot)."""
    for name, deb in kernels.items():
        if not Path(deb).is_file():
            raise ParameterError(
                "--kernel-deb", f"{name}={deb}", "an existing linux-image .deb",
                "build it with 'lwtbench kernel build --target deb --variant " + name + "'",
            )  # fmt: skip


def count_row(variant: str, release: str, point, window: GuestWindow) -> TrialRow:
    """One ``trials.csv`` row for a point counted in the guest."""
    extra: dict[str, float | int | str] = {
        "testbed": LABEL,
        "received_counter": "guest Ip6OutForwDatagrams",
        "inserted_bytes": point_inserted_bytes(point),
        "tail_only_expansions": window.tail_only,
        "rx_headroom_frames": sum(window.trace.rx_headroom.values()),
        # the count is the steady state: the packets that missed the tunnel's dst cache are
        # left out of reallocs_per_packet and counted here (reallocations -> packets)
        "tunnel_packets": window.tunnel_packets,
        "cache_miss_packets": window.cache_misses,
        "unattributed_head_growths": window.trace.unattributed,
    }
    for reallocs, n in window.trace.packets.items():
        extra[f"packets_with_reallocs.{reallocs}"] = n
    for reallocs, n in window.trace.cache_miss_packets.items():
        extra[f"cache_miss_packets_with_reallocs.{reallocs}"] = n
    for name, n in window.trace.calls.items():
        extra[f"calls.{name}"] = n
    for caller, n in sorted(window.trace.callers.items()):
        extra[f"caller.{caller}"] = n
    for headroom, n in window.trace.rx_headroom.items():
        extra[f"rx_headroom.{headroom}"] = n
    for nhead, n in window.trace.expansions.items():
        extra[f"nhead.{nhead}"] = n
    trial = TrialResult(
        intended_load_pps=window.sent / window.elapsed_s if window.elapsed_s else 0.0,
        duration_s=round(window.elapsed_s, 3),
        sent=window.sent,
        received=window.forwarded,
        reallocs_per_packet=window.reallocs_per_packet,
        extra=extra,
    )
    return counted_row(trial, point, variant, release, SEARCH_NAME)


def vm_count_provenance(
    campaign: Campaign, kernels: Mapping[str, Path], settings: VmCountSettings, image
) -> dict[str, object]:
    """The ``run.json`` of a new run: the virtual DUT, its image, QEMU, the packages."""
    plat = settings.platform
    accel = "kvm" if kvm_usable() else "tcg"
    return run_provenance(
        campaign,
        inputs=run_inputs(),
        kind="virtual DUT reallocation counts",
        kernel_variants=list(kernels),
        testbed={
            "kind": TESTBED_KIND,
            "label": LABEL,
            "hypervisor": qemu_version(),
            # what QEMU ran with, recorded at each boot: /dev/kvm can create a VM and still
            # fail on a vCPU, and the machine then falls back to TCG
            "accelerator": None,
            "kvm_usable": accel == "kvm",
            "host_kernel": os.uname().release,
            "machine": "q35, 2 vCPUs, 1024 MiB",
        },
        dut={
            "kind": "Debian 12 guest under QEMU, kernel booted directly from the package",
            "platform": plat,
            "nic": "QEMU virtio-net-pci (defaults: mrg_rxbuf on, VERSION_1), guest virtio_net",
            "virtual": True,
        },
        image={k: v for k, v in image.manifest.items() if k != "host_key"},
        kernel_packages={
            name: {"file": Path(deb).name, "sha256": sha256_file(Path(deb))}
            for name, deb in kernels.items()
        },
        generator={
            "kind": "host AF_PACKET socket on the tap of the guest's ingress NIC",
            "packets": settings.packets,
        },
        counting={
            "method": "ftrace in the guest: function tracer on pskb_expand_head and "
            "skb_expand_head (callers), kprobe events on pskb_expand_head (skb, nhead), "
            "lwtunnel_input/lwtunnel_output (skb: a packet of the flow enters its tunnel), "
            "dst_cache_set_ip6 (the tunnel missed its dst cache) and ip6_rcv_core "
            "(skb->data - skb->head); a head growth (nhead > 0) belongs to the packet whose "
            "skb last entered the tunnel on the same CPU; reallocs_per_packet = mean over the "
            "packets that hit the dst cache (steady state; misses counted apart in "
            "cache_miss_packets); plain IPv6: head growths per forwarded packet",
            "model_check": "lwtbench.analysis.counts_model against dut.platform",
        },
    )


def run_vm_counts(
    campaign: Campaign,
    kernels: Mapping[str, Path],
    store: RunStore,
    settings: VmCountSettings,
    progress: Progress | None = None,
) -> VmCountSummary:
    """Boot each kernel, count every point not yet in ``store``, stop the VM."""
    say = progress or (lambda _m: None)
    summary = VmCountSummary()
    image = create_image(progress=progress)
    for variant, deb in kernels.items():
        done = {r.search_id for r in store.rows}
        todo = [p for p in campaign.points if search_id(variant, 0, p.point_id) not in done]
        if not todo:
            continue
        started = time.monotonic()
        kernel = kernel_from_deb(Path(deb))
        config = MachineConfig(
            name=settings.machine,
            kernel=str(kernel),
            accel="kvm" if kvm_usable() else "tcg",
        )
        machine = start_machine(image, config, timeout_s=settings.boot_timeout_s)
        try:
            summary.boot_s[variant] = round(machine.boot_s, 2)
            testbed = dict(store.provenance.get("testbed", {}))  # type: ignore[arg-type]
            used = {*filter(None, str(testbed.get("accelerator") or "").split("+")), machine.accel}
            testbed["accelerator"] = "+".join(sorted(used))
            store.update_provenance("testbed", testbed)
            with (
                tempfile.TemporaryDirectory(prefix="lwtb-vm-") as workdir,
                guest_session(machine, Path(deb), Path(workdir)) as session,
            ):
                booted = kernel.name.removeprefix("vmlinuz-")
                if session.kernel_release != booted:
                    raise LwtbenchError(
                        f"virtual DUT runs {session.kernel_release}, not {booted} from {deb}: "
                        "refusing to record its counts under that package"
                    )
                packages = dict(store.provenance.get("kernels", {}))  # type: ignore[arg-type]
                packages[variant] = {
                    "release": session.kernel_release,
                    "boot_s": round(machine.boot_s, 2),
                    "accelerator": machine.accel,
                    "guest_driver": session.links.driver,
                    "skb_offsets": asdict(session.offsets) if session.offsets else None,
                }
                store.update_provenance("kernels", packages)
                for i, point in enumerate(todo):
                    window = measure_point(
                        session.guest, session.links, session.offsets, point, settings.packets
                    )
                    store.append_trial(count_row(variant, session.kernel_release, point, window))
                    summary.rows += 1
                    say(
                        f"{variant}: {i + 1}/{len(todo)} {point.point_id} -> "
                        f"{window.reallocs_per_packet:g} ({window.elapsed_s:.1f} s)"
                    )
        finally:
            stop_machine(settings.machine)
        summary.seconds[variant] = round(time.monotonic() - started, 1)
    return summary


def count_vm_campaign(
    campaign: Campaign,
    kernels: Mapping[str, Path],
    run_dir: Path,
    settings: VmCountSettings | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> tuple[RunStore, VmCountSummary]:
    """Create (or reopen with ``resume``) the run at ``run_dir`` and count it; everything the
    inputs can be refused for is refused before the VM starts."""
    settings = settings or VmCountSettings()
    if os.geteuid() != 0:
        raise LwtbenchError("a virtual DUT count needs root (tap devices, AF_PACKET)")
    check_kernels(kernels)
    with run_lock(run_dir, create=not resume):
        if resume:
            store = RunStore.open(run_dir)
        else:
            image = create_image(progress=progress)
            store = RunStore.create(
                run_dir, vm_count_provenance(campaign, kernels, settings, image)
            )
        summary = run_vm_counts(campaign, kernels, store, settings, progress)
    return store, summary

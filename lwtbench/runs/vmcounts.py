"""Count campaigns on the virtual DUT: reallocations per packet through a real NIC driver.

Each kernel (a linux-image .deb) is brought up in the virtual DUT of :mod:`lwtbench.vm` one of
two ways (``VmCountSettings.boot``):

- ``grub`` (the default; what a hardware user does): one VM booted through grub from the
  cached image; for each kernel the hardware path's :class:`~lwtbench.testbeds.dut.Dut`
  copies the package over SSH, runs ``dpkg -i``, selects it with ``grub-reboot`` and reboots
  (:func:`~lwtbench.testbeds.dut_kernels.install_and_switch`: a new boot id, then ``uname -r``),
  applies the host setup (sysctls, offloads, queue IRQs pinned to one vCPU; restored after);
  at the end the image's own kernel is booted again and the packages are purged
  (:func:`~lwtbench.testbeds.dut_kernels.restore_kernels`), so the DUT is left as found.
- ``direct``: QEMU boots the package's vmlinuz itself (no grub, no dpkg), one VM per kernel:
  the install and the reboot saved (4-7 min per kernel under TCG on this project's loaded
  host), for a quick count of a package, never the hardware path.

Every point of the campaign is then measured by the guest probe
(:mod:`lwtbench.testbeds.guest_probe`: frames from the host through the guest's virtio-net NIC,
ftrace counts in the guest), one ``trials.csv`` row per point (``search = vm-count``),
committed as it is counted, so a resumed run (a new VM, the kernels installed again) counts only
the points missing. The model platform of the run is the guest's receive driver for the
campaign's frame size (:func:`lwtbench.model.platforms.virtio_net_platform`, given by the
caller), recorded as ``dut.platform`` so that the analysis compares every count with the model
(:mod:`lwtbench.analysis.counts_model`) exactly as for a hardware run. The run is labelled a
virtual DUT everywhere: QEMU emulates the NIC; the kernel and its driver are real.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InputFileError, LwtbenchError, ParameterError
from ..results.schema import TrialRow
from ..results.store import RUN_JSON, RunStore, utc_now
from ..scenario.campaign import Campaign
from ..scenario.point import ScenarioPoint
from ..search.trial import TrialResult, search_id
from ..testbeds.dut import Dut
from ..testbeds.dut_kernels import KernelPackage, install_and_switch, read_package, restore_kernels
from ..testbeds.guest_probe import GuestWindow, guest_session, measure_point
from ..testbeds.vm_dut import vm_dut_config
from ..vm.base import VmImage
from ..vm.debkernel import kernel_from_deb
from ..vm.image import create_image
from ..vm.machine import (
    MachineConfig,
    RunningMachine,
    kvm_usable,
    qemu_version,
    start_machine,
    stop_machine,
)
from .counts import counted_row
from .lock import run_lock
from .provenance import check_resume_inputs, point_inserted_bytes, run_inputs, run_provenance

SEARCH_NAME = "vm-count"
"""``search`` column of the rows: one counted window per point, no rate search."""
TESTBED_KIND = "vm"
LABEL = "virtual DUT (QEMU), not hardware"

Progress = Callable[[str], None]


BOOT_METHODS = ("grub", "direct")
"""How a kernel is brought up: installed and switched to with grub (the hardware path), or
booted directly by QEMU from its package (quick, no install)."""

OWN_KERNEL = "own"
"""The image's own kernel in the DUT's kernel map: what the DUT is restored to."""

_PROJECT_RELEASE = re.compile(r"-lwtb-(.+)$")
"""``uname -r`` of the project's packages: ``<version>-lwtb-<variant>``."""


@dataclass(frozen=True)
class VmCountSettings:
    """How each point is counted and where the VM runs."""

    packets: int = 200
    """Packets in the counted window."""
    machine: str = "vmcount"
    """Name of the virtual DUT (its taps and folder)."""
    boot_timeout_s: float = 600.0
    """Seconds a boot (or a reboot through grub) may take to answer over SSH."""
    platform: str = "x86_64/virtio_net-copy"
    """The model platform the campaign's frames meet on the guest's NIC, recorded as
    ``dut.platform`` (the caller derives it from the frame sizes:
    :func:`lwtbench.model.platforms.virtio_net_platform`)."""
    boot: str = "grub"
    """One of :data:`BOOT_METHODS`."""


@dataclass
class VmCountSummary:
    """What a run did, per kernel."""

    rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    """Per kernel: install, switch and counting, in seconds."""
    boot_s: dict[str, float] = field(default_factory=dict)
    """Per kernel: the boot to SSH (grub: the reboot into it), in seconds."""
    install_s: dict[str, float] = field(default_factory=dict)
    """Per kernel (grub): copy + ``dpkg -i``, in seconds."""
    restore: dict[str, object] = field(default_factory=dict)
    """grub: how the DUT was restored (own kernel booted, packages purged)."""
    mismatches: list[str] = field(default_factory=list)
    """``kernel point: measured X, model Y``, filled by the caller, which compares the run
    with the model (the runner does not import it); empty: every count equals the model."""


def check_kernels(kernels: Mapping[str, Path]) -> dict[str, KernelPackage]:
    """Every package is a linux-image .deb of its variant, one kernel release per variant
    (checked before anything boots); returns the packages' facts."""
    packages: dict[str, KernelPackage] = {}
    for name, deb in kernels.items():
        if not Path(deb).is_file():
            raise ParameterError(
                "--kernel-deb", f"{name}={deb}", "an existing linux-image .deb",
                f"build it with 'lwtbench kernel build --target deb --kernel {name}'",
            )  # fmt: skip
        pkg = read_package(Path(deb))
        m = _PROJECT_RELEASE.search(pkg.release)
        if m and m.group(1) != name:
            raise InputFileError(
                Path(deb),
                f"holds kernel {pkg.release}, the project's package of {m.group(1)}, not {name}",
                f"give the package of {name} ('lwtbench kernel build --target deb --kernel "
                f"{name}' prints it)",
            )
        packages[name] = pkg
    releases = [p.release for p in packages.values()]
    if len(set(releases)) != len(releases):
        raise ParameterError(
            "--kernel-deb", ", ".join(f"{n}={p.path}" for n, p in packages.items()),
            "a different kernel release for each variant (grub switches between releases)",
        )  # fmt: skip
    return packages


def check_settings(settings: VmCountSettings) -> None:
    if settings.boot not in BOOT_METHODS:
        raise ParameterError("--boot", settings.boot, f"one of {', '.join(BOOT_METHODS)}")
    if settings.packets < 1:
        raise ParameterError("--packets", str(settings.packets), "a positive number of packets")


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
    campaign: Campaign,
    packages: Mapping[str, KernelPackage],
    settings: VmCountSettings,
    image: VmImage,
) -> dict[str, object]:
    """The ``run.json`` of a new run: the virtual DUT, its image, QEMU, the packages."""
    accel = "kvm" if kvm_usable() else "tcg"
    how = (
        "each kernel installed with dpkg over SSH and booted through grub (grub-reboot + "
        "reboot, as on a server)"
        if settings.boot == "grub"
        else "each kernel booted directly from its package by QEMU (no grub, no dpkg)"
    )
    return run_provenance(
        campaign,
        inputs=run_inputs(),
        kind="virtual DUT reallocation counts",
        kernel_variants=list(packages),
        testbed={
            "kind": TESTBED_KIND,
            "label": LABEL,
            "hypervisor": qemu_version(),
            # what QEMU ran with, recorded at each boot: /dev/kvm can create a VM and still
            # fail on a vCPU, and the machine then falls back to TCG
            "accelerator": None,
            "kvm_usable": accel == "kvm",
            "host_kernel": os.uname().release,
            # one host thread for both vCPUs under TCG: the probe patches the guest's code
            # at every point (see MachineConfig.tcg_single_thread)
            "machine": "q35, 2 vCPUs, 1024 MiB; under TCG both vCPUs in one host thread",
        },
        dut={
            "kind": f"Debian 12 guest under QEMU, {how}",
            "boot": settings.boot,
            "platform": settings.platform,
            "nic": "QEMU virtio-net-pci (defaults: mrg_rxbuf on, VERSION_1), guest virtio_net",
            "virtual": True,
        },
        image={k: v for k, v in image.manifest.items() if k != "host_key"},
        kernel_packages={
            name: {
                "file": pkg.path.name,
                "package": pkg.package,
                "version": pkg.version,
                "release": pkg.release,
                "sha256": pkg.sha256,
            }
            for name, pkg in packages.items()
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


def _todo(campaign: Campaign, store: RunStore, variant: str) -> list[ScenarioPoint]:
    done = {r.search_id for r in store.rows}
    return [p for p in campaign.points if search_id(variant, 0, p.point_id) not in done]


def _note_accelerator(store: RunStore, machine: RunningMachine) -> None:
    testbed = dict(store.provenance.get("testbed", {}))  # type: ignore[arg-type]
    used = {*filter(None, str(testbed.get("accelerator") or "").split("+")), machine.accel}
    testbed["accelerator"] = "+".join(sorted(used))
    store.update_provenance("testbed", testbed)


def _count_points(
    store: RunStore,
    machine: RunningMachine,
    variant: str,
    pkg: KernelPackage,
    todo: Sequence[ScenarioPoint],
    settings: VmCountSettings,
    boot: dict[str, object],
    say: Progress,
) -> int:
    """Count ``todo`` in the kernel the machine runs now (it must be ``pkg``'s), recording the
    boot in ``run.json``; returns the rows written."""
    with (
        tempfile.TemporaryDirectory(prefix="lwtb-vm-") as workdir,
        guest_session(machine, pkg.path, Path(workdir)) as session,
    ):
        if session.kernel_release != pkg.release:
            raise LwtbenchError(
                f"virtual DUT runs {session.kernel_release}, not {pkg.release} from {pkg.path}: "
                "refusing to record its counts under that package"
            )
        kernels = dict(store.provenance.get("kernels", {}))  # type: ignore[arg-type]
        entry = dict(kernels.get(variant, {}))  # type: ignore[arg-type]
        boots = list(entry.get("boots", []))  # type: ignore[call-overload]
        boots.append({**boot, "points_todo": len(todo)})
        kernels[variant] = {
            **entry,
            "release": session.kernel_release,
            "switch": boot["method"],
            "grub_entry": boot.get("grub_entry"),
            "boot_s": boot["boot_s"],
            "accelerator": machine.accel,
            "guest_driver": session.links.driver,
            "skb_offsets": asdict(session.offsets) if session.offsets else None,
            "package_sha256": pkg.sha256,
            "boots": boots,
        }
        store.update_provenance("kernels", kernels)
        for i, point in enumerate(todo):
            window = measure_point(
                session.guest, session.links, session.offsets, point, settings.packets
            )
            store.append_trial(count_row(variant, session.kernel_release, point, window))
            say(
                f"{variant}: {i + 1}/{len(todo)} {point.point_id} -> "
                f"{window.reallocs_per_packet:g} ({window.elapsed_s:.1f} s)"
            )
    return len(todo)


def _image_stamp(image: VmImage) -> tuple[int, int]:
    """Size and modification time of the cached disk: a machine writes only its overlay."""
    st = image.disk.stat()
    return st.st_size, st.st_mtime_ns


@contextmanager
def _console_on_error(machine: RunningMachine) -> Iterator[None]:
    """Add the end of the guest's console to an error (the machine folder goes at stop)."""
    try:
        yield
    except Exception as exc:
        path = Path(machine.console_log)
        if path.is_file():
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-60:]
            exc.add_note("console of the virtual DUT (last lines):\n" + "\n".join(tail))
        raise


def _count_by_grub(
    campaign: Campaign,
    packages: Mapping[str, KernelPackage],
    store: RunStore,
    settings: VmCountSettings,
    image: VmImage,
    summary: VmCountSummary,
    say: Progress,
) -> None:
    """One VM through grub; each kernel installed, switched to, counted; then restored."""
    todo = {v: _todo(campaign, store, v) for v in packages}
    if not any(todo.values()):
        return
    stamp = _image_stamp(image)
    config = MachineConfig(
        name=settings.machine, accel="kvm" if kvm_usable() else "tcg", tcg_single_thread=True
    )
    machine = start_machine(image, config, timeout_s=settings.boot_timeout_s, progress=say)
    own = machine.kernel_release
    say(f"{machine.name}: booted {own} through grub in {machine.boot_s:.0f} s")
    releases = {v: p.release for v, p in packages.items()}
    dut = Dut(
        vm_dut_config(
            machine, releases | {OWN_KERNEL: own}, reboot_timeout_s=settings.boot_timeout_s
        )
    )
    installed: list[str] = []
    try:
        with _console_on_error(machine):
            _note_accelerator(store, machine)
            for variant, pkg in packages.items():
                if not todo[variant]:
                    continue
                installed.append(pkg.release)
                started = time.monotonic()
                say(f"{variant}: dpkg -i {pkg.path.name}, grub-reboot, reboot")
                before = dut.boot_id()
                switched = install_and_switch(dut, variant, pkg.path)
                boot_id = dut.boot_id()
                if switched["rebooted"] and boot_id == before:
                    raise LwtbenchError(f"{variant}: the DUT reports the same boot id after reboot")
                boot = {
                    "method": "grub",
                    "at": utc_now(),
                    "grub_entry": switched.get("grub_entry"),
                    "boot_s": switched.get("reboot_s"),
                    "install_s": switched["install_s"],
                    "installed": switched["installed"],
                    "package_sha256": switched["package_sha256"],
                    "boot_id_before": before,
                    "boot_id": boot_id,
                    "uname_r": dut.release(),
                }
                summary.boot_s[variant] = float(boot["boot_s"] or 0.0)  # type: ignore[arg-type]
                summary.install_s[variant] = float(switched["install_s"])  # type: ignore[arg-type]
                say(
                    f"{variant}: installed in {boot['install_s']} s, rebooted into "
                    f"{boot['uname_r']} in {boot['boot_s']} s"
                )
                # the hardware path's host setup around the counts: forwarding sysctl,
                # offloads off, the queue IRQs of both test NICs on one vCPU; undone after
                with dut.host_setup() as applied:
                    boot["host_setup"] = applied
                    summary.rows += _count_points(
                        store, machine, variant, pkg, todo[variant], settings, boot, say
                    )
                summary.seconds[variant] = round(time.monotonic() - started, 1)
            say(f"restoring the DUT: boot {own}, purge {', '.join(installed)}")
            restored = restore_kernels(dut, own, installed)
            restored["image_unchanged"] = _image_stamp(image) == stamp
            if not restored["image_unchanged"]:
                raise LwtbenchError(f"the cached image {image.disk} changed during the run")
            restores = list(store.provenance.get("restores", []))  # type: ignore[call-overload]
            store.update_provenance("restores", [*restores, {**restored, "at": utc_now()}])
            summary.restore = restored
    finally:
        dut.close()
        stop_machine(settings.machine)


def _count_direct(
    campaign: Campaign,
    packages: Mapping[str, KernelPackage],
    store: RunStore,
    settings: VmCountSettings,
    image: VmImage,
    summary: VmCountSummary,
    say: Progress,
) -> None:
    """One VM per kernel, QEMU booting the package's vmlinuz itself."""
    for variant, pkg in packages.items():
        todo = _todo(campaign, store, variant)
        if not todo:
            continue
        started = time.monotonic()
        config = MachineConfig(
            name=settings.machine,
            kernel=str(kernel_from_deb(pkg.path)),
            accel="kvm" if kvm_usable() else "tcg",
            tcg_single_thread=True,
        )
        machine = start_machine(image, config, timeout_s=settings.boot_timeout_s, progress=say)
        try:
            with _console_on_error(machine):
                _note_accelerator(store, machine)
                summary.boot_s[variant] = round(machine.boot_s, 2)
                boot = {"method": "direct", "at": utc_now(), "boot_s": round(machine.boot_s, 2)}
                summary.rows += _count_points(
                    store, machine, variant, pkg, todo, settings, boot, say
                )
        finally:
            stop_machine(settings.machine)
        summary.seconds[variant] = round(time.monotonic() - started, 1)


def run_vm_counts(
    campaign: Campaign,
    packages: Mapping[str, KernelPackage],
    store: RunStore,
    settings: VmCountSettings,
    progress: Progress | None = None,
) -> VmCountSummary:
    """Bring up each kernel (``settings.boot``) and count every point not yet in ``store``."""
    say = progress or (lambda _m: None)
    summary = VmCountSummary()
    image = create_image(progress=progress)
    count = _count_by_grub if settings.boot == "grub" else _count_direct
    count(campaign, packages, store, settings, image, summary, say)
    return summary


def _check_resume(store: RunStore, campaign: Campaign, packages: Mapping[str, KernelPackage]):
    """A resume counts the same campaign with the same packages, or is refused."""
    check_resume_inputs(store.provenance, run_inputs(campaign), store.run_json_path)
    recorded = store.provenance.get("kernel_packages", {})
    for name, pkg in packages.items():
        was = recorded.get(name) if isinstance(recorded, dict) else None
        if not isinstance(was, dict) or was.get("sha256") != pkg.sha256:
            raise InputFileError(
                store.run_json_path,
                f"the run was not made with {pkg.path.name} as {name} (recorded "
                f"{was.get('file') if isinstance(was, dict) else 'no package'})",
                "resume with the packages the run started with, or start a new run",
            )


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
        raise LwtbenchError(
            "a virtual DUT count needs root (tap devices, AF_PACKET): run it with sudo"
        )
    check_settings(settings)
    packages = check_kernels(kernels)
    if not resume and (run_dir / RUN_JSON).exists():
        raise InputFileError(
            run_dir, "already holds a run", "resume it with --resume, or pick a new --run-name"
        )
    with run_lock(run_dir, create=not resume):
        if resume:
            store = RunStore.open(run_dir)
            _check_resume(store, campaign, packages)
        else:
            image = create_image(progress=progress)
            store = RunStore.create(
                run_dir, vm_count_provenance(campaign, packages, settings, image)
            )
        summary = run_vm_counts(campaign, packages, store, settings, progress)
    return store, summary

"""TRex -> the virtual DUT of ``lwtbench vm`` -> TRex: the hardware path rehearsed without hardware.

A ``kind: trex`` testbed file with a ``vm:`` section (env/testbed.vm-trex.yaml) runs the
hardware kind unchanged (:class:`~lwtbench.testbeds.trex.testbed.TrexTestbed`: kernels
switched by the same :class:`~lwtbench.testbeds.dut.Dut` code with grub-reboot, host setup,
port counters, searches), plus the glue a server room does not need::

    TRex port 0 = tap0 --QEMU--> guest eth1 (virtio-net) -> route -> eth2 --QEMU--> tap1 = port 1

- The machine must be running (``lwtbench vm start --name NAME``) with the campaign's kernel
  packages installed (``lwtbench dut install``), as a server would be.
- Its two host taps move into a namespace of this run for the run's life, where the real TRex
  server (:mod:`.server`) runs on them with af_packet, and move back afterwards; a run killed
  by a signal leaves them there, and the next run (or preflight) moves them back first.
- The guest's image configures no address on its test NICs; what a server's own network
  configuration holds (the egress address, a route towards TRex for the points' addresses and
  a permanent neighbour entry for TRex's port, which answers no neighbour solicitation) is set
  after every boot and removed at the end.
- Preflight (links, MACs, neighbour resolution, the generator's ceiling, the kernels) runs
  before the first kernel switch; a failed check stops the run.

Rows are labelled "TRex -> virtual DUT (QEMU)" in run.json, never hardware: a real kernel and
driver on an emulated NIC, under QEMU's emulation (TCG) where KVM is not usable.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path

from ...errors import InputFileError, ParameterError
from ...scenario.point import ScenarioPoint
from ..base import Check
from ..dut import Dut, DutError
from ..dut_kernels import INSTALL_TIMEOUT_S
from ..testbed_file import DutConfig, TrexTestbedConfig
from .install import find_trex, read_install
from .lab import remove_stale_namespaces
from .server import ServerSettings, TrexServer
from .testbed import TrexError, TrexMeasurer, TrexTestbed, preflight

LABEL = "TRex -> virtual DUT (QEMU)"
"""How rows of this testbed are named in run.json, figures and claims (never hardware)."""

NETNS_PREFIX = "lwtb-vmtrex-"
"""The run's namespace holding the taps and the TRex server: ``<prefix><pid>-<n>``."""

POINTS_PREFIX = "2001:db8::/32"
"""Every address of the project's points (sources, destinations, SRv6 segments, IOAM tunnel
ends) is in the RFC 3849 documentation prefix: routed towards TRex on the guest's egress."""


def running_machine(name: str):
    """The running virtual DUT ``name`` (its recorded state), or one error saying how to
    start it."""
    from ...vm.machine import RunningMachine, pid_alive, read_state

    state = read_state(name)
    if not state or not pid_alive(int(state["pid"])):  # type: ignore[arg-type]
        raise TrexError(
            f"vm.name: the virtual DUT '{name}' is not running; start it with "
            f"'lwtbench vm start --name {name} --ssh-port PORT' (the port of dut.ssh.port) and "
            f"install the kernels with 'lwtbench dut install --testbed FILE --kernel VARIANT'"
        )
    return RunningMachine(**{**state, "taps": tuple(state["taps"])})  # type: ignore[arg-type]


def _ip(*args: str) -> str:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise TrexError(f"ip {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def return_taps(ns: str) -> list[str]:
    """Move every virtual-DUT tap (``lwtv*``) of namespace ``ns`` back to the host's (pid 1's)
    namespace and set it up; returns their names. Deleting the namespace instead would delete
    the taps under the running QEMU."""
    out = subprocess.run(
        ["ip", "-n", ns, "-o", "link", "show"], capture_output=True, text=True, check=False
    ).stdout
    names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]
    taps = [n for n in names if n.startswith("lwtv")]
    for tap in taps:
        _ip("-n", ns, "link", "set", "dev", tap, "netns", "1")
        _ip("link", "set", "dev", tap, "up")
    return taps


@contextlib.contextmanager
def taps_in_namespace(taps: tuple[str, ...]) -> Iterator[str]:
    """A namespace of this process holding ``taps`` (IPv6 off in it, so the host sends no
    router or MLD packets into the DUT or onto TRex's counters); the taps go back on exit."""
    remove_stale_namespaces(prefix=NETNS_PREFIX, before_delete=return_taps)
    missing = [t for t in taps if not Path("/sys/class/net", t).exists()]
    if missing:
        raise TrexError(
            f"the virtual DUT's taps {', '.join(missing)} are not in the host's namespace "
            "(another run holds them, or the machine lost them: 'lwtbench vm stop' and start)"
        )
    ns = f"{NETNS_PREFIX}{os.getpid()}-{time.monotonic_ns() % 100000}"
    _ip("netns", "add", ns)
    try:
        for name in ("default", "all"):
            subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                            f"net.ipv6.conf.{name}.disable_ipv6=1"],
                           check=True, capture_output=True)  # fmt: skip
        _ip("-n", ns, "link", "set", "lo", "up")  # the TRex client reaches its server here
        for tap in taps:
            _ip("link", "set", "dev", tap, "netns", ns)
            _ip("-n", ns, "link", "set", "dev", tap, "up")
        yield ns
    finally:
        try:
            return_taps(ns)
        finally:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def egress_network(config: DutConfig) -> tuple[list[list[str]], list[list[str]]]:
    """Commands that give the DUT's egress port what a server's network configuration holds,
    and the commands that remove it: the port's address, a permanent neighbour entry for
    TRex's port (TRex answers no neighbour solicitation) and a route for the points' prefix
    through it (an SRv6 packet is routed again to its first segment)."""
    egress = config.egress
    if not egress.address or not egress.peer_address:
        raise InputFileError(
            "dut.egress",
            "address and peer_address are needed for a virtual DUT",
            "give both (e.g. 2001:db8:ff::1 and 2001:db8:ff::2), as env/testbed.vm-trex.yaml",
        )
    dev, peer = egress.name, egress.peer_address
    setup = [
        ["ip", "-6", "addr", "replace", f"{egress.address}/64", "dev", dev, "nodad"],
        ["ip", "-6", "neigh", "replace", peer, "lladdr", egress.peer_mac, "dev", dev,
         "nud", "permanent"],
        ["ip", "-6", "route", "replace", POINTS_PREFIX, "via", peer, "dev", dev],
    ]  # fmt: skip
    undo = [
        ["ip", "-6", "route", "del", POINTS_PREFIX, "via", peer, "dev", dev],
        ["ip", "-6", "neigh", "del", peer, "dev", dev],
        ["ip", "-6", "addr", "del", f"{egress.address}/64", "dev", dev],
    ]
    return setup, undo


def set_egress_network(dut: Dut) -> list[str]:
    """Apply :func:`egress_network` on the DUT (idempotent); returns the commands run."""
    setup, _ = egress_network(dut.config)
    for cmd in setup:
        dut.run(cmd, in_netns=False)
    return [" ".join(cmd) for cmd in setup]


def remove_egress_network(dut: Dut) -> None:
    """Undo :func:`set_egress_network` (what a reboot already removed is not an error)."""
    _, undo = egress_network(dut.config)
    for cmd in undo:
        dut.run(cmd, check=False, in_netns=False)


BOOT_OPTIONS = "no_timer_check"
"""Kernel options the virtual DUT boots with. Under QEMU's emulation on a loaded host the
kernel's check that the 8254 timer interrupt arrives (arch/x86/kernel/apic/io_apic.c,
timer_irq_works) can fail, and the boot ends in "Kernel panic - not syncing: IO-APIC + timer
doesn't work!" (seen here: the vanilla .deb booted by grub at a load average of 13);
``no_timer_check`` skips that check (Documentation/admin-guide/kernel-parameters.txt), as a
KVM guest with kvmclock does by itself. It changes nothing after the boot."""

GRUB_DROP_IN = "/etc/default/grub.d/90-lwtbench-vm.cfg"
"""Debian's grub-mkconfig reads /etc/default/grub.d/*.cfg after /etc/default/grub."""


def ensure_boot_options(dut: Dut, *, update_grub: bool = True) -> bool:
    """Give every GRUB entry of the virtual DUT :data:`BOOT_OPTIONS`; returns False when the
    DUT already had them. Written before the kernels are installed, their packages' own
    ``update-grub`` takes them in; afterwards ``update-grub`` runs here (minutes under TCG)."""
    want = f'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT {BOOT_OPTIONS}"\n'
    have = dut.run(["cat", GRUB_DROP_IN], check=False, in_netns=False).stdout
    grub_cfg = dut.run(["cat", "/boot/grub/grub.cfg"], check=False, in_netns=False).stdout
    if have == want and BOOT_OPTIONS in grub_cfg:
        return False
    if have != want:
        dut.run(["mkdir", "-p", str(Path(GRUB_DROP_IN).parent)], in_netns=False)
        dut.run(["sh", "-c", f"printf '%s' {shlex.quote(want)} > {GRUB_DROP_IN}"], in_netns=False)
    if update_grub:
        dut.run(["update-grub"], in_netns=False, timeout_s=INSTALL_TIMEOUT_S)
    return True


def vm_facts(machine) -> dict[str, object]:
    """run.json's facts of the virtual DUT: QEMU, its accelerator, the machine and image."""
    from ...vm.machine import kvm_usable, machine_dir, qemu_version

    folder = machine_dir(machine.name)
    image = Path(machine.image) / "manifest.json"
    manifest = json.loads(image.read_text(encoding="utf-8")) if image.is_file() else {}
    argv = folder / "qemu.cmd.json"
    return {
        "machine": machine.name,
        "hypervisor": qemu_version(),
        "accelerator": machine.accel,
        "kvm_usable": kvm_usable(),
        "host_kernel": os.uname().release,
        "nic_model": machine.nic_model,
        "taps": list(machine.taps),
        "boot_s": round(machine.boot_s, 1),
        "qemu_argv": json.loads(argv.read_text(encoding="utf-8")) if argv.is_file() else None,
        "image_dir": machine.image,
        "image": {k: v for k, v in manifest.items() if k != "host_key"},
    }


def check_platform(platform_name: str, frame_size: int) -> None:
    """Frames of ``frame_size`` take the receive path of the file's ``vm.platform``: virtio-net
    copies short frames and builds longer ones in place, with other headroom (so other
    trigger points); one run has one platform."""
    from ...model.platforms import virtio_net_driver_for

    arch, _, driver = platform_name.partition("/")
    if not driver.startswith("virtio_net"):
        return
    found = f"{arch}/{virtio_net_driver_for(arch, frame_size)}"
    if found != platform_name:
        raise ParameterError(
            "frame_size",
            frame_size,
            f"frames that {platform_name} receives (vm.platform of the testbed file); "
            f"{frame_size} B frames take {found}",
            "set vm.platform to that, or change the campaign's frame_size",
        )


class VmRig:
    """The host side of the rehearsal: the running machine, its taps in a namespace of this
    run, the TRex server on them; :attr:`config` is the testbed file's, with the generator
    pointed at that server."""

    def __init__(self, config: TrexTestbedConfig) -> None:
        if config.vm is None:
            raise ParameterError("vm", None, "a vm: section (the virtual DUT's name)")
        if os.geteuid() != 0:
            raise TrexError("the virtual DUT's TRex needs root (taps, namespaces, af_packet)")
        egress_network(config.dut)  # the file's egress addresses, checked before any change
        gen = config.generator
        install = read_install(gen.trex_path) if gen.trex_path else find_trex()
        if install is None:
            raise TrexError(
                "no TRex server: 'lwtbench trex build --source DIR' or 'lwtbench trex use DIR'"
            )
        self.machine = running_machine(config.vm.name)
        self._stack = contextlib.ExitStack()
        try:
            self.netns = self._stack.enter_context(taps_in_namespace(self.machine.taps))
            settings = ServerSettings(
                interfaces=self.machine.taps,
                netns=self.netns,
                sync_port=gen.sync_port,
                async_port=gen.async_port,
            )
            self.server = self._stack.enter_context(TrexServer(install, settings))
        except BaseException:
            self._stack.close()
            raise
        self.config = replace(
            config,
            generator=replace(
                gen,
                server="127.0.0.1",
                netns=self.netns,
                trex_path=gen.trex_path or str(install.client_path),
            ),
        )

    def close(self) -> None:
        """Stop the server, move the taps back, delete the namespace."""
        self._stack.close()


def vm_preflight(config: TrexTestbedConfig, campaign=None) -> list[Check]:
    """``lwtbench preflight`` for a virtual DUT: the TRex server started on its taps and the
    egress network set for the checks, both undone afterwards; never raises."""
    try:
        rig = VmRig(config)
    except (TrexError, InputFileError) as exc:
        return [Check("virtual DUT", False, str(exc))]
    try:
        dut = Dut(rig.config.dut)
        try:
            set_egress_network(dut)
        except DutError as exc:
            return [Check("DUT egress network", False, str(exc))]
        try:
            return [_machine_check(rig), *preflight(rig.config, campaign)]
        finally:
            with contextlib.suppress(DutError):
                remove_egress_network(dut)
            dut.close()
    finally:
        rig.close()


def _machine_check(rig: VmRig) -> Check:
    m = rig.machine
    return Check(
        "virtual DUT",
        True,
        f"'{m.name}' (QEMU pid {m.pid}, {m.accel}); TRex {rig.server.install.version} on its "
        f"taps {', '.join(m.taps)} in {rig.netns}",
    )


class VmTrexTestbed(TrexTestbed):
    """``kind: trex`` with a ``vm:`` section: the hardware path driving the virtual DUT."""

    def __init__(self, config: TrexTestbedConfig) -> None:
        assert config.vm is not None
        self.rig = VmRig(config)
        self.preflight_checks: list[Check] = []
        self.boot_options_written = False
        try:
            dut = Dut(self.rig.config.dut)
            try:
                self.boot_options_written = ensure_boot_options(dut)
                set_egress_network(dut)
            finally:
                dut.close()
            self.preflight_checks = [_machine_check(self.rig), *preflight(self.rig.config)]
            failed = [c for c in self.preflight_checks if not c.ok]
            if failed:
                raise TrexError(
                    "preflight failed on the virtual DUT: "
                    + "; ".join(f"{c.name}: {c.detail}" for c in failed)
                )
            super().__init__(self.rig.config)
        except BaseException:
            try:
                dut = Dut(self.rig.config.dut)
                with contextlib.suppress(DutError):
                    remove_egress_network(dut)
                dut.close()
            finally:
                self.rig.close()
            raise

    def use_kernel(self, variant: str) -> dict[str, object]:
        facts = super().use_kernel(variant)  # grub-reboot, reboot, uname -r, host setup
        facts["egress_network"] = set_egress_network(self.dut)  # a reboot removed it
        release = str(facts["release"])
        record = self.dut.output(["cat", f"/var/lib/lwtbench/kernels/{release}.sha256"], False)
        facts["package_sha256"] = record.strip() if not record.startswith("error") else None
        return facts

    @contextlib.contextmanager
    def prepare(self, point: ScenarioPoint) -> Iterator[TrexMeasurer]:
        assert self.config.vm is not None
        check_platform(self.config.vm.platform, point.frame_size)
        with super().prepare(point) as measurer:
            yield measurer
        self.last_search_provenance["label"] = LABEL

    def provenance(self) -> dict[str, object]:
        assert self.config.vm is not None
        prov = super().provenance()
        facts = vm_facts(self.rig.machine)
        prov["testbed"] = {
            **prov["testbed"],  # type: ignore[dict-item]
            "label": LABEL,
            "dut_kind": "vm",
            "accelerator": facts["accelerator"],
            "vm": facts,
        }
        prov["dut"] = {
            **prov["dut"],  # type: ignore[dict-item]
            "kind": "Debian 12 guest under QEMU (lwtbench vm), kernels installed with dpkg and "
            "switched with grub-reboot over SSH",
            "platform": self.config.vm.platform,
            "virtual": True,
        }
        generator = dict(prov["generator"])  # type: ignore[arg-type]
        generator["label"] = LABEL
        generator["server"] = {**self.rig.server.facts(), "rpc": generator["server"]}
        generator["topology"] = (
            f"TRex port 0 = {self.rig.machine.taps[0]} -> guest {self.config.dut.ingress.name}; "
            f"guest {self.config.dut.egress.name} -> {self.rig.machine.taps[1]} = TRex port 1 "
            f"(af_packet, namespace {self.rig.netns})"
        )
        prov["generator"] = generator
        prov["preflight"] = [asdict(c) for c in self.preflight_checks]
        prov["dut"]["boot_options"] = {  # type: ignore[index]
            "options": BOOT_OPTIONS,
            "file": GRUB_DROP_IN,
            "written_by_this_run": self.boot_options_written,
        }
        prov["loss_rule"] = "TRex port counters; late traffic's unsent share is loss"
        return prov

    def close(self) -> None:
        try:
            with contextlib.suppress(DutError):
                remove_egress_network(self.dut)
            super().close()
        finally:
            self.rig.close()

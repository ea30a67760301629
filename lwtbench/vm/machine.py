"""Running the virtual DUT: QEMU with a management NIC (SSH forwarded to 127.0.0.1) and two
test NICs on tap devices of the host.

The machine boots like a hardware DUT: the firmware (QEMU's SeaBIOS) starts grub from the
disk, grub boots its default entry or the one ``grub-reboot`` chose, and a guest ``reboot``
restarts the same machine on the same disk (QEMU keeps running), so installing a kernel
package and switching kernels happens exactly as on hardware. A *direct* boot (QEMU loads a
kernel itself, no grub) remains for two uses only: the image's first boot, which installs
grub, and a quick look at a kernel from a .deb without installing it (``vm start
--kernel-deb``); it is never how the hardware path is rehearsed.

Each machine has a folder ``<cache>/vm/machines/<name>/`` holding a copy-on-write overlay of
the cached image (the image itself never changes; a fresh ``start`` begins from it), QEMU's
pid file, the serial console log and ``state.json``; ``stop`` removes it. The NICs are
virtio-net: the guest's paravirtual driver costs the least emulation under QEMU's TCG (no KVM
here), it is the driver of most cloud and lab VMs, and the image's own kernel (Debian's cloud
kernel) has it, while it has no e1000e driver at all (its drivers/net/ethernet/intel holds
ixgbevf only). The emulated Intel e1000e is a ``nic_model`` for the test NICs once a kernel
with the driver runs (the project's DUT config builds it in); the management NIC stays
virtio-net.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..errors import LwtbenchError, ParameterError
from ..paths import PLAIN_NAME_RE
from ..processes import pid_alive
from .base import MGMT_MAC, TEST_NIC_MACS, VmImage, check_tools, vm_root

Progress = Callable[[str], None]

QEMU = "qemu-system-x86_64"
NIC_MODELS = ("virtio-net-pci", "e1000e")
TEST_MACS = TEST_NIC_MACS
"""MACs of the two test NICs (fixed, so the guest's names for them are stable)."""
TAP_MACS = ("52:54:00:4c:57:21", "52:54:00:4c:57:22")
"""MACs of the host ends (the taps), fixed so that a testbed file can name them as the
DUT's peers."""
ROOT_DEVICE = "/dev/vda1"
"""The root partition as a directly booted kernel sees it (grub's entries use its UUID)."""

KVM_CREATE_VM = 0xAE01
"""ioctl(KVM_CREATE_VM): what QEMU does first with /dev/kvm; it fails where KVM is unusable
(no VT-x/AMD-V passed to this machine) even when /dev/kvm exists."""


def qemu_version() -> str:
    """The first line of ``qemu-system-x86_64 --version`` (run.json's hypervisor)."""
    proc = subprocess.run([QEMU, "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.splitlines()[0].strip() if proc.stdout else "unknown"


KVM_PROBE_S = 20.0
"""How long a Linux kernel gets under KVM to print its banner; it takes well under a second
where KVM works."""

KVM_PROBE_FILE = "kvm-probe.json"
"""The probe's verdict in ``<cache>/vm``, kept for the host's boot and QEMU version."""


def kvm_usable(device: str = "/dev/kvm") -> bool:
    """True when a VM can be created with KVM (QEMU then runs at native speed). Creating one
    is not running one: :func:`kvm_runs_linux` checks that, and :func:`start_machine` falls
    back to emulation when it fails."""
    try:
        fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        vm_fd = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
    except OSError:
        return False
    else:
        os.close(vm_fd)
        return True
    finally:
        os.close(fd)


def kvm_runs_linux(kernel: Path, timeout_s: float = KVM_PROBE_S) -> bool:
    """True when ``kernel`` (an x86_64 bzImage) starts under KVM: its banner (``Linux
    version``) reaches the serial console within ``timeout_s``.

    A machine can offer a working /dev/kvm and still hang every real guest: on a Firecracker
    VM without nested VT-x flags, KVM_CREATE_VM and a real-mode ``hlt`` guest worked, but
    Linux stopped after its real-mode setup code ("Probing EDD ... ok") and QEMU waited
    forever with an empty console. The verdict is kept in ``<cache>/vm`` for this host boot
    and QEMU version, so only the first machine of a boot pays for the probe.
    """
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip()
    key = {"host_boot_id": boot_id, "qemu": qemu_version()}
    record = vm_root() / KVM_PROBE_FILE
    try:
        kept = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    if {k: kept.get(k) for k in key} == key and isinstance(kept.get("runs_linux"), bool):
        return kept["runs_linux"]
    record.parent.mkdir(parents=True, exist_ok=True)
    console = record.with_name(f"kvm-probe-{os.getpid()}.log")
    console.unlink(missing_ok=True)

    def banner() -> bool:
        return console.is_file() and b"Linux version" in console.read_bytes()

    cmd = [QEMU, "-machine", "q35,accel=kvm", "-cpu", "host", "-m", "256", "-nodefaults"]
    cmd += ["-display", "none", "-monitor", "none", "-serial", f"file:{console}", "-no-reboot"]
    cmd += ["-kernel", str(kernel), "-append", "console=ttyS0 panic=-1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout_s
        # until the banner, QEMU's exit (it failed to start under KVM) or the deadline
        while time.monotonic() < deadline and proc.poll() is None and not banner():
            time.sleep(0.2)
        runs = banner()
    finally:
        proc.kill()
        proc.wait()
        console.unlink(missing_ok=True)
    record.write_text(
        json.dumps({**key, "kernel": str(kernel), "runs_linux": runs}, indent=1) + "\n",
        encoding="utf-8",
    )
    return runs


@dataclass(frozen=True)
class MachineConfig:
    """How one virtual DUT runs."""

    name: str = "dut"
    memory_mb: int = 1024
    cpus: int = 2
    nic_model: str = "virtio-net-pci"
    """QEMU device of the two test NICs (one of NIC_MODELS)."""
    accel: str = "tcg"
    """``kvm`` or ``tcg`` (QEMU's emulation)."""
    direct: bool = False
    """Direct boot (no grub): QEMU loads ``kernel``, or the image's own kernel and initramfs
    when ``kernel`` is None. For the image's first boot and quick checks only."""
    kernel: str | None = None
    """Direct boot of this kernel with no initramfs: its disk, ext4 and virtio-net drivers
    must be built in (the project's DUT config does). Implies ``direct``."""
    ssh_port: int | None = None
    """Host port forwarded to the guest's sshd on 127.0.0.1; None: a free one."""
    kvm_fallback: bool = True
    """With ``kvm``: start under TCG when QEMU cannot run the VM with KVM."""
    tcg_single_thread: bool = True
    """Under TCG, run every vCPU in one host thread (``-accel tcg,thread=single``) instead of
    one thread per vCPU (``False``, QEMU's default on x86). A guest patches its own code on a
    running system (ftrace and kprobes at each counted point, static keys and alternatives at
    boot): with a thread per vCPU a 6.12 guest died after 12 counted points ("Fatal exception
    in interrupt", RIP one byte into a 5-byte NOP in ``__schedule``: apparently a breakpoint
    left by a code patch whose handler was gone), a vanilla boot once oopsed on an int3, and
    a CI run lost the TRex test's guest after its grub switch. With one thread, 100 points,
    the grub count test and the TRex test ran without it; the guest's two vCPUs then share a
    host core, which under emulation costs little (one vCPU forwards, the other idles)."""

    @property
    def boots_directly(self) -> bool:
        return self.direct or self.kernel is not None

    def taps(self) -> tuple[str, str]:
        """Host names of the two test taps: ``lwtv<6 hex of the name><0|1>`` (15 chars max)."""
        tag = hashlib.sha256(self.name.encode()).hexdigest()[:6]
        return (f"lwtv{tag}0", f"lwtv{tag}1")


@dataclass(frozen=True)
class RunningMachine:
    """A started virtual DUT."""

    name: str
    pid: int
    ssh_port: int
    ssh_user: str
    ssh_key: str
    known_hosts: str
    taps: tuple[str, str]
    accel: str
    nic_model: str
    image: str
    kernel_release: str
    """``uname -r`` the guest answered over SSH."""
    boot_s: float
    """From QEMU's start to the first SSH answer."""
    console_log: str

    def ssh_command(self, *remote: str) -> list[str]:
        """The ``ssh`` argument list that runs ``remote`` as root in the guest."""
        return [
            "ssh",
            "-i",
            self.ssh_key,
            "-p",
            str(self.ssh_port),
            "-o",
            "BatchMode=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "ConnectTimeout=10",
            f"{self.ssh_user}@127.0.0.1",
            *remote,
        ]


def machine_dir(name: str) -> Path:
    if not PLAIN_NAME_RE.match(name):
        raise ParameterError(
            "--name", name, "letters, digits, '.', '_', '+', '-' (a folder name)", "e.g. dut"
        )
    return vm_root() / "machines" / name


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (QEMU binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def qemu_command(image: VmImage, config: MachineConfig, folder: Path, ssh_port: int) -> list[str]:
    """QEMU's argument list: the disk (grub boots from it; or a direct kernel boot), serial
    console to a file, the management NIC first (user networking, SSH on 127.0.0.1:ssh_port),
    then the two test NICs on the taps."""
    cpu = "host" if config.accel == "kvm" else "max"
    single = config.accel == "tcg" and config.tcg_single_thread
    cmd = [
        QEMU,
        "-name",
        f"lwtbench-{config.name}",
        # -accel with options and -machine accel= exclude each other (QEMU refuses both)
        *(["-machine", "q35", "-accel", "tcg,thread=single"] if single else []),
        *([] if single else ["-machine", f"q35,accel={config.accel}"]),
        "-cpu",
        cpu,
        "-smp",
        str(config.cpus),
        "-m",
        str(config.memory_mb),
        "-display",
        "none",
        "-serial",
        f"file:{folder / 'console.log'}",
        "-monitor",
        "none",
        "-daemonize",
        "-pidfile",
        str(folder / "qemu.pid"),
        *_direct_boot(image, config),
        "-drive",
        f"file={folder / 'overlay.qcow2'},if=virtio,format=qcow2",
        "-netdev",
        f"user,id=mgmt,hostfwd=tcp:127.0.0.1:{ssh_port}-:22",
        "-device",
        f"virtio-net-pci,netdev=mgmt,mac={MGMT_MAC}",
    ]
    for i, (tap, mac) in enumerate(zip(config.taps(), TEST_MACS, strict=True)):
        cmd += [
            "-netdev",
            f"tap,id=test{i},ifname={tap},script=no,downscript=no",
            "-device",
            f"{config.nic_model},netdev=test{i},mac={mac}",
        ]
    return cmd


def _direct_boot(image: VmImage, config: MachineConfig) -> list[str]:
    """QEMU's -kernel/-initrd/-append for a direct boot; none for a grub boot."""
    if not config.boots_directly:
        return []
    append = ["-append", f"root={ROOT_DEVICE} rw console=ttyS0,115200 net.ifnames=0"]
    if config.kernel:
        return ["-kernel", config.kernel, *append]
    return ["-kernel", str(image.kernel), "-initrd", str(image.initrd), *append]


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise LwtbenchError(f"ip {' '.join(args)} failed: {proc.stderr.strip()}")


def _link_exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


def read_state(name: str) -> dict[str, object] | None:
    path = machine_dir(name) / "state.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def start_machine(
    image: VmImage,
    config: MachineConfig,
    *,
    timeout_s: float = 600.0,
    progress: Progress | None = None,
) -> RunningMachine:
    """Start the VM from a fresh overlay of ``image`` and wait until SSH answers ``uname -r``."""
    if os.geteuid() != 0:
        raise LwtbenchError("lwtbench vm start needs root (it creates tap devices)")
    if config.ssh_port is not None and not 1 <= config.ssh_port <= 65535:
        raise ParameterError("--ssh-port", str(config.ssh_port), "a TCP port, 1-65535")
    if config.nic_model not in NIC_MODELS:
        raise ParameterError("--nic", config.nic_model, f"one of {', '.join(NIC_MODELS)}")
    check_tools({QEMU: "qemu-system-x86", "qemu-img": "qemu-utils", "ssh": "openssh-client"})
    folder = machine_dir(config.name)
    state = read_state(config.name)
    if state and pid_alive(int(state["pid"])):  # type: ignore[arg-type]
        raise LwtbenchError(
            f"virtual DUT '{config.name}' is already running (pid {state['pid']}); "
            f"'lwtbench vm stop --name {config.name}' first"
        )
    if config.accel == "kvm" and config.kvm_fallback:
        probe = Path(config.kernel) if config.kernel else image.kernel
        if not kvm_runs_linux(probe):
            _say(
                progress,
                f"{config.name}: KVM creates VMs here but Linux does not start under it "
                f"(no banner within {KVM_PROBE_S:g} s); running under TCG",
            )
            config = replace(config, accel="tcg")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    overlay = folder / "overlay.qcow2"
    backing = ["-F", "raw", "-b", str(image.disk)]
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", *backing, str(overlay)],
        check=True,
        capture_output=True,
    )
    for tap, mac in zip(config.taps(), TAP_MACS, strict=True):
        if not _link_exists(tap):
            _ip("tuntap", "add", "dev", tap, "mode", "tap")
        _ip("link", "set", tap, "address", mac)
        _ip("link", "set", tap, "up")
    port = config.ssh_port or free_port()
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {image.host_key}\n", encoding="utf-8")
    cmd = qemu_command(image, config, folder, port)
    (folder / "qemu.cmd.json").write_text(json.dumps(cmd, indent=1) + "\n", encoding="utf-8")
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 and config.accel == "kvm" and config.kvm_fallback:
        # /dev/kvm can create a VM yet fail on a vCPU (nested virtualisation without the
        # MSRs QEMU sets): emulate instead, and say so
        why = proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else "?"
        _say(progress, f"{config.name}: KVM failed ({why}); falling back to TCG")
        config = replace(config, accel="tcg")
        cmd = qemu_command(image, config, folder, port)
        (folder / "qemu.cmd.json").write_text(json.dumps(cmd, indent=1) + "\n", "utf-8")
        start = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        _remove_taps(config)
        shutil.rmtree(folder, ignore_errors=True)
        raise LwtbenchError(f"{QEMU} failed to start: {proc.stderr.strip()}")
    pid = int((folder / "qemu.pid").read_text().strip())
    _say(progress, f"{config.name}: QEMU pid {pid} ({config.accel}), SSH on 127.0.0.1:{port}")
    machine = RunningMachine(
        name=config.name,
        pid=pid,
        ssh_port=port,
        ssh_user="root",
        ssh_key=str(image.ssh_key.private),
        known_hosts=str(known_hosts),
        taps=config.taps(),
        accel=config.accel,
        nic_model=config.nic_model,
        image=str(image.directory),
        kernel_release="",
        boot_s=0.0,
        console_log=str(folder / "console.log"),
    )
    try:
        release = _wait_ssh(machine, start, timeout_s, progress)
    except BaseException:
        stop_machine(machine.name)  # interrupted while booting: no QEMU left behind
        raise
    machine = RunningMachine(
        **{**asdict(machine), "kernel_release": release, "boot_s": time.monotonic() - start}
    )
    (folder / "state.json").write_text(
        json.dumps(asdict(machine), indent=2) + "\n", encoding="utf-8"
    )
    return machine


def _wait_ssh(
    machine: RunningMachine, start: float, timeout_s: float, progress: Progress | None
) -> str:
    last = ""
    while time.monotonic() - start < timeout_s:
        if not pid_alive(machine.pid):
            raise LwtbenchError(
                f"QEMU (pid {machine.pid}) exited before SSH answered; console:\n"
                + console_tail(Path(machine.console_log))
            )
        try:
            proc = subprocess.run(
                machine.ssh_command("uname", "-r"),
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
        except subprocess.TimeoutExpired:  # sshd accepted but the slow guest did not answer
            last = "ssh gave no answer within 60 s"
        else:
            if proc.returncode == 0:
                return proc.stdout.strip()
            last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else last
        _say(progress, f"{machine.name}: waiting for SSH ({time.monotonic() - start:.0f} s)")
        time.sleep(3)
    console = console_tail(Path(machine.console_log))  # stopping removes the machine's folder
    stop_machine(machine.name)
    raise LwtbenchError(
        f"virtual DUT '{machine.name}': no SSH answer within {timeout_s:.0f} s (last: {last}); "
        f"stopped it. Console:\n{console}"
    )


def console_tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a console log (an error's or a failed test's context)."""
    if not path.is_file():
        return "(no console log)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _remove_taps(config: MachineConfig) -> None:
    for tap in config.taps():
        if _link_exists(tap):
            _ip("link", "del", tap)


def stop_machine(name: str, *, timeout_s: float = 20.0) -> bool:
    """Stop the named VM (SIGTERM to its QEMU, by the pid it recorded), remove its taps and
    its folder (overlay, console log, state). Returns False when it was not running."""
    folder = machine_dir(name)
    pid_file = folder / "qemu.pid"
    was_running = False
    if pid_file.is_file():
        pid = int(pid_file.read_text().strip())
        if pid_alive(pid) and _is_our_qemu(pid, name):
            was_running = True
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
    _remove_taps(MachineConfig(name=name))
    # the whole folder (overlay, console log, known_hosts): a stopped machine leaves nothing
    # behind in the cache; errors quote the console before they stop it
    shutil.rmtree(folder, ignore_errors=True)
    return was_running


def _is_our_qemu(pid: int, name: str) -> bool:
    """The pid is still this machine's QEMU (not a recycled pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"lwtbench-{name}".encode() in cmdline


def _say(progress: Progress | None, line: str) -> None:
    if progress is not None:
        progress(line)

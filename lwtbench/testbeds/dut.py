"""The DUT over SSH: configure it for a scenario point, verify, restore, and describe it.

Every command is an argument list; over SSH it is quoted with :func:`shlex.join` for the
remote shell (the only place a command becomes a string). Host keys are always checked
(paramiko's RejectPolicy with the ``known_hosts`` of the testbed file): an unknown or changed
DUT key stops the run.

What is changed on the DUT is undone on exit, failures included:

- :meth:`Dut.host_setup` sets sysctls (forwarding), offloads, a single queue per port and
  pins every queue IRQ of both ports to one core (how the paper's group forwarded on one
  core), reads everything back, and restores the previous values on exit.
- :meth:`Dut.point` installs a point's route (and IOAM namespace), verifies it with
  ``ip -6 route show`` and removes it on exit.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shlex
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LwtbenchError, ParameterError
from ..scenario import routes
from ..scenario.point import ScenarioPoint

if TYPE_CHECKING:  # annotations only: testbed_file builds the trex kind, which imports this
    from .testbed_file import DutConfig, SshTarget

log = logging.getLogger(__name__)


KEEPALIVE_S = 15
"""Seconds between SSH keepalive packets on an idle connection."""


class DutError(LwtbenchError):
    """A DUT command failed or the DUT is not in the state it should be."""


@dataclass(frozen=True)
class Result:
    """Outcome of one command on the DUT."""

    args: tuple[str, ...]
    """The argument list run."""
    returncode: int
    """Exit status (-1: the SSH channel closed without one)."""
    stdout: str
    """Standard output, decoded as UTF-8."""
    stderr: str
    """Standard error, decoded as UTF-8."""


class SshRunner:
    """Runs argument lists on a host over SSH (paramiko), host key checked."""

    def __init__(self, target: SshTarget, connect_timeout_s: float = 10.0) -> None:
        self.target = target
        self.connect_timeout_s = connect_timeout_s
        self.client = None

    def connect(self) -> None:
        import paramiko

        client = paramiko.SSHClient()
        known = self.target.known_hosts
        path = Path(known).expanduser()
        if not path.is_file():
            raise DutError(
                f"dut.ssh.known_hosts={known!r}: no such file; add the DUT's host key "
                f"(ssh-keyscan -p {self.target.port} {self.target.host} >> {known}, then "
                "compare its fingerprint with the DUT's console)"
            )
        client.load_host_keys(str(path))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                self.target.host,
                port=self.target.port,
                username=self.target.user,
                key_filename=(
                    str(Path(self.target.key_file).expanduser()) if self.target.key_file else None
                ),
                timeout=self.connect_timeout_s,
                banner_timeout=self.connect_timeout_s,
                auth_timeout=self.connect_timeout_s,
                allow_agent=self.target.key_file is None,
                look_for_keys=self.target.key_file is None,
            )
        except paramiko.SSHException as exc:
            client.close()
            refused = isinstance(
                exc, (paramiko.AuthenticationException, paramiko.BadHostKeyException)
            ) or "known_hosts" in str(exc)  # RejectPolicy's unknown key
            raise DutError(
                f"ssh {self.target.user}@{self.target.host}:{self.target.port}: {exc}; "
                + (
                    "check dut.ssh in the testbed file (host key in known_hosts, key_file, user)"
                    if refused
                    # a banner that never came, a session dropped before authentication: the
                    # port answered (a virtual DUT's port always does) but no sshd behind it
                    else "the port answered but no SSH session came up: is the DUT up? (its "
                    "console shows why not)"
                )
            ) from None
        except OSError as exc:
            raise DutError(
                f"ssh {self.target.host}:{self.target.port}: {exc}; is the DUT up and sshd on?"
            ) from None
        # Keepalives make a peer that vanished mid-command close the transport (a send
        # fails), which ends every wait on its channels instead of leaving them blocked.
        transport = client.get_transport()
        if transport is not None:
            transport.set_keepalive(KEEPALIVE_S)
        self.client = client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def put(self, local: Path, remote: str, timeout_s: float = 600.0) -> None:
        """Copy a local file to ``remote`` on the host (SFTP over the same connection), within
        :meth:`hard_limit_s` of ``timeout_s`` like :meth:`run`."""

        def copy() -> None:
            if not self._connected():
                self.close()
                self.connect()
            assert self.client is not None
            with self.client.open_sftp() as sftp:
                sftp.put(str(local), remote)

        self._bounded(copy, timeout_s, f"copying {local.name} to {remote}")

    def _connected(self) -> bool:
        """A connection whose transport still works (a DUT reboot ends it)."""
        transport = self.client.get_transport() if self.client is not None else None
        return transport is not None and transport.is_active()

    def run(self, args: Sequence[str], timeout_s: float = 60.0) -> Result:
        """Run ``args`` on the host; the call returns or raises :class:`DutError` within
        :meth:`hard_limit_s` of ``timeout_s``, whatever the peer does.

        paramiko bounds each wait but not the whole: a command whose output trickles keeps a
        read alive forever, and a send to a peer that stopped reading retries without end
        (``Packetizer.write_all``; a CI run hung an hour there on a stalled virtual DUT). So
        the exchange runs in a helper thread, and at the limit the connection is closed under
        it, which ends its waits, and the caller gets the error.
        """
        return self._bounded(lambda: self._exchange(args, timeout_s), timeout_s, args[0])

    def _bounded(self, work, timeout_s: float, what: str):
        """``work()`` in a helper thread: its value or its exception, or one DutError once
        :meth:`hard_limit_s` of ``timeout_s`` has passed (the connection closed under it)."""
        outcome: dict[str, object] = {}

        def helper() -> None:
            try:
                outcome["result"] = work()
            except BaseException as exc:  # handed to the caller's thread below
                outcome["error"] = exc

        worker = threading.Thread(target=helper, name=f"ssh {what}", daemon=True)
        worker.start()
        worker.join(self.hard_limit_s(timeout_s))
        if worker.is_alive():
            client, self.client = self.client, None
            if client is not None:
                # closing the socket under the helper makes its send or wait fail at once
                threading.Thread(target=client.close, daemon=True).start()
            raise DutError(
                f"ssh {self.target.host}:{self.target.port}: {what}: no complete answer "
                f"from {self.target.host} within {self.hard_limit_s(timeout_s):g} s (the "
                "connection stalled or the output never ended); is the DUT up?"
            )
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome.get("result")

    def hard_limit_s(self, timeout_s: float) -> float:
        """The longest :meth:`run` takes: the command's own bound plus two connection
        attempts (a kept connection found dead is replaced once), each up to three waits of
        ``connect_timeout_s`` (TCP, banner, authentication)."""
        return timeout_s + 6 * self.connect_timeout_s + 5.0

    def _exchange(self, args: Sequence[str], timeout_s: float) -> Result:
        import paramiko

        failures = (paramiko.SSHException, EOFError, OSError)
        reused = self._connected()
        if not reused:
            self.close()
            self.connect()
        assert self.client is not None
        command = shlex.join(args)
        deadline = time.monotonic() + timeout_s
        try:
            try:
                _, out, err = self.client.exec_command(command, timeout=timeout_s)
            except failures:
                if not reused:
                    raise
                # a connection kept from before the DUT rebooted looks open until used; the
                # command did not start, so it goes once more over a new connection
                self.close()
                self.connect()
                _, out, err = self.client.exec_command(command, timeout=timeout_s)
            channel = out.channel
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
            # paramiko's recv_exit_status() waits without a bound (a CI run once hung its
            # 900 s there); the channel's own timeout covers only reads.
            if not channel.status_event.wait(max(0.0, deadline - time.monotonic()) + 1.0):
                raise TimeoutError("no exit status")
        except failures as exc:
            self.close()
            raise DutError(
                f"ssh {self.target.host}:{self.target.port}: {args[0]}: no answer from "
                f"{self.target.host} within {timeout_s:g} s ({type(exc).__name__}"
                f"{': ' + str(exc) if str(exc) else ''}); is the DUT up?"
            ) from None
        return Result(tuple(args), channel.exit_status, stdout, stderr)


class Dut:
    """A DUT reached through a runner; commands optionally inside a netns or under sudo."""

    def __init__(self, config: DutConfig, runner: SshRunner | None = None) -> None:
        self.config = config
        self.runner = runner or SshRunner(config.ssh)

    # -- running --------------------------------------------------------------------------
    def _wrap(self, args: Sequence[str], in_netns: bool = True) -> list[str]:
        cmd = list(args)
        if in_netns and self.config.netns:
            cmd = ["ip", "netns", "exec", self.config.netns, *cmd]
        if self.config.ssh.sudo:
            cmd = ["sudo", "-n", *cmd]
        return cmd

    def run(
        self,
        args: Sequence[str],
        check: bool = True,
        in_netns: bool = True,
        timeout_s: float = 60.0,
    ) -> Result:
        res = self.runner.run(self._wrap(args, in_netns), timeout_s=timeout_s)
        if check and res.returncode != 0:
            raise DutError(
                f"on the DUT, {shlex.join(args)} exited {res.returncode}: "
                f"{res.stderr.strip() or res.stdout.strip()}"
            )
        return res

    def output(self, args: Sequence[str], in_netns: bool = True) -> str:
        """stdout of a command, or ``error: ...`` when it fails (for provenance only)."""
        res = self.run(args, check=False, in_netns=in_netns)
        if res.returncode != 0:
            return f"error {res.returncode}: {res.stderr.strip()}"
        return res.stdout

    def close(self) -> None:
        self.runner.close()

    # -- reading state ----------------------------------------------------------------------
    def release(self) -> str:
        return self.run(["uname", "-r"], in_netns=False).stdout.strip()

    def sysctl(self, name: str) -> str:
        return self.run(["sysctl", "-n", name]).stdout.strip()

    def offloads(self, dev: str) -> dict[str, str]:
        """``ethtool -k``: feature -> on/off (``[fixed]`` dropped)."""
        out = self.run(["ethtool", "-k", dev]).stdout
        feats = {}
        for line in out.splitlines()[1:]:
            m = re.match(r"^\s*([\w-]+):\s+(on|off)", line)
            if m:
                feats[m.group(1)] = m.group(2)
        return feats

    def irqs(self, dev: str) -> list[int]:
        """IRQ numbers of ``dev``'s queues (see :func:`queue_irqs`)."""
        interrupts = self.run(["cat", "/proc/interrupts"], in_netns=False).stdout
        device = self.run(["readlink", "-f", f"/sys/class/net/{dev}/device"], check=False).stdout
        return queue_irqs(interrupts, dev, device)

    def irq_affinity(self, irq: int) -> str:
        path = f"/proc/irq/{irq}/smp_affinity_list"
        return self.run(["cat", path], in_netns=False).stdout.strip()

    def output_many(self, commands: Sequence[tuple[Sequence[str], bool]]) -> list[str]:
        """Like :meth:`output` for several ``(args, in_netns)`` at once, in one SSH session.

        Each SSH exec costs about 0.3 s (sshd starts a session and a shell), so provenance
        snapshots batch their ~25 reads into one ``sh -c`` whose parts are the argument lists
        quoted by :func:`shlex.join`, separated by markers that carry each exit status.
        stderr is merged into the text (these are reads for the record, never parsed for
        decisions).
        """
        parts = []
        for i, (args, in_netns) in enumerate(commands):
            parts.append(
                f"printf '\\n@@lwtb-begin {i}@@\\n'; {shlex.join(self._wrap(args, in_netns))} "
                f"2>&1; printf '\\n@@lwtb-end {i} %s@@\\n' \"$?\""
            )
        res = self.runner.run(["sh", "-c", "; ".join(parts)])
        out = []
        for i in range(len(commands)):
            m = re.search(
                rf"\n@@lwtb-begin {i}@@\n(.*?)\n@@lwtb-end {i} (\d+)@@", res.stdout, re.DOTALL
            )
            if m is None:
                out.append(f"error: no output ({res.stderr.strip()})")
            elif m.group(2) != "0":
                out.append(f"error {m.group(2)}: {m.group(1).strip()}")
            else:
                out.append(m.group(1))
        return out

    def snapshot(self) -> dict[str, object]:
        """Provenance of the DUT now: taken at each boot and before and after each search."""
        ports = [self.config.ingress.name, self.config.egress.name]
        flags = ("-i", "-k", "-g", "-c", "-l", "-a")
        sysctl_names = list(
            dict.fromkeys(
                [
                    "net.ipv6.conf.all.forwarding",
                    "net.ipv6.conf.all.seg6_enabled",
                    *self.config.sysctls,
                ]
            )
        )
        host = [
            ["uname", "-r"],
            ["uname", "-a"],
            ["sh", "-c", 'sha256sum "/boot/config-$(uname -r)"'],
            ["sh", "-c", 'dpkg-query -W -f "\\${Package} \\${Version}" "linux-image-$(uname -r)"'],
            ["cat", "/proc/cpuinfo"],
            ["cat", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"],
            ["cat", "/proc/interrupts"],
        ]
        cmds: list[tuple[Sequence[str], bool]] = [(c, False) for c in host]
        cmds += [(["ethtool", f, dev], True) for dev in ports for f in flags]
        cmds += [(["sysctl", "-n", n], True) for n in sysctl_names]
        cmds += [(["readlink", "-f", f"/sys/class/net/{dev}/device"], True) for dev in ports]
        out = self.output_many(cmds)
        devices = dict(zip(ports, out[len(out) - len(ports) :], strict=True))
        out = out[: len(out) - len(ports)]
        release, uname, config_hash, package, cpuinfo, governor, interrupts = out[: len(host)]
        eth = out[len(host) : len(host) + len(ports) * len(flags)]
        ethtool = {
            dev: dict(zip(flags, eth[k * len(flags) : (k + 1) * len(flags)], strict=True))
            for k, dev in enumerate(ports)
        }
        sysctls = {
            n: v.strip() for n, v in zip(sysctl_names, out[-len(sysctl_names) :], strict=True)
        }
        irq_lists = {dev: queue_irqs(interrupts, dev, devices[dev]) for dev in ports}
        all_irqs = [i for dev in ports for i in irq_lists[dev]]
        affinities = self.output_many(
            [(["cat", f"/proc/irq/{i}/smp_affinity_list"], False) for i in all_irqs]
        )
        aff = dict(zip(all_irqs, (a.strip() for a in affinities), strict=True))
        model = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in cpuinfo.splitlines()
                if ln.startswith("model name")
            ),
            None,
        )
        drivers = {
            dev: dict(ln.split(": ", 1) for ln in ethtool[dev]["-i"].splitlines() if ": " in ln)
            for dev in ports
        }
        return {
            "uname": uname.strip(),
            "release": release.strip(),
            "kernel_package": package.strip(),
            "kernel_config_sha256": (
                config_hash if config_hash.startswith("error") else config_hash.split()[0]
            ),
            "cpu": {"model": model, "governor": governor.strip()},
            "nic": drivers,
            "ethtool": ethtool,
            "irq_affinity": {dev: {str(i): aff[i] for i in irq_lists[dev]} for dev in ports},
            "sysctls": sysctls,
        }

    # -- host configuration -----------------------------------------------------------------
    @contextlib.contextmanager
    def host_setup(self) -> Iterator[dict[str, object]]:
        """Apply sysctls, offloads, single queue and IRQ pinning; verify; restore on exit."""
        undo: list[list[str]] = []
        applied: dict[str, object] = {}
        ports = [self.config.ingress.name, self.config.egress.name]
        try:
            wanted = {"net.ipv6.conf.all.forwarding": "1", **self.config.sysctls}
            for name, value in wanted.items():
                old = self.sysctl(name)
                if old != value:
                    self.run(["sysctl", "-q", "-w", f"{name}={value}"])
                    undo.append(["sysctl", "-q", "-w", f"{name}={old}"])
                got = self.sysctl(name)
                if got != value:
                    raise DutError(f"sysctl {name}: set {value}, reads back {got}")
            applied["sysctls"] = wanted
            for dev in ports:
                if self.config.offloads:
                    wanted_off = {feature_name(f): v for f, v in self.config.offloads.items()}
                    before = self.offloads(dev)
                    unknown = sorted(set(wanted_off) - set(before))
                    if unknown:
                        raise DutError(
                            f"ethtool -k {dev} lists no feature {', '.join(unknown)}; use a name "
                            f"it shows or a short one ({', '.join(sorted(ETHTOOL_SHORT_NAMES))})"
                        )
                    changes = {f: s for f, s in wanted_off.items() if before[f] != s}
                    if changes:
                        # The undo is registered first: a partly applied -K is still undone.
                        undo.append(
                            ["ethtool", "-K", dev, *_pairs({f: before[f] for f in changes})]
                        )
                        self.run(["ethtool", "-K", dev, *_pairs(changes)])
                    after = self.offloads(dev)
                    wrong = {f: after.get(f) for f, s in wanted_off.items() if after.get(f) != s}
                    if wrong:
                        raise DutError(f"ethtool -K {dev}: still {wrong} after setting it")
                if self.config.single_queue:
                    old = _channels(self.run(["ethtool", "-l", dev]).stdout)
                    if old is None:
                        raise DutError(
                            f"ethtool -l {dev} shows no combined channels; set "
                            "dut.single_queue: false in the testbed file for this NIC"
                        )
                    if old != 1:
                        self.run(["ethtool", "-L", dev, "combined", "1"])
                        undo.append(["ethtool", "-L", dev, "combined", str(old)])
                if self.config.forwarding_core is not None:
                    core = str(self.config.forwarding_core)
                    queue_irqs = self.irqs(dev)
                    if not queue_irqs:
                        raise DutError(
                            f"no IRQ of {dev} in the DUT's /proc/interrupts: nothing to pin to "
                            f"core {core}; drop dut.forwarding_core for a NIC without IRQs "
                            "(veth) or check the port name"
                        )
                    for irq in queue_irqs:
                        old_aff = self.irq_affinity(irq)
                        path = f"/proc/irq/{irq}/smp_affinity_list"
                        self._write(path, core)
                        undo.append(["tee", path, old_aff])
                        if self.irq_affinity(irq) != core:
                            raise DutError(f"IRQ {irq} of {dev}: affinity did not become {core}")
            applied["offloads"] = dict(self.config.offloads)
            applied["single_queue"] = self.config.single_queue
            applied["forwarding_core"] = self.config.forwarding_core
            yield applied
        except BaseException as exc:
            # Undo, but keep the first error: an undo failure is added to it, never replaces it.
            try:
                self._undo(undo)
            except DutError as undo_exc:
                exc.add_note(str(undo_exc))
            raise
        else:
            self._undo(undo)

    def _write(self, path: str, value: str) -> None:
        # /proc files need a writer; tee takes the value on stdin, so use sh -c with quoting.
        self.run(["sh", "-c", f"echo {shlex.quote(value)} > {shlex.quote(path)}"], in_netns=False)

    def _undo(self, undo: list[list[str]]) -> None:
        errors = []
        for cmd in reversed(undo):
            if cmd[0] == "tee":  # IRQ affinity restore
                try:
                    self._write(cmd[1], cmd[2])
                except DutError as exc:
                    errors.append(str(exc))
                continue
            res = self.run(cmd, check=False)
            if res.returncode != 0:
                errors.append(f"{shlex.join(cmd)}: {res.stderr.strip()}")
        if errors:
            log.error("restoring the DUT failed: %s", "; ".join(errors))
            raise DutError("restoring the DUT failed: " + "; ".join(errors))

    # -- scenario points --------------------------------------------------------------------
    @contextlib.contextmanager
    def point(self, point: ScenarioPoint) -> Iterator[str]:
        """Install the point's route; yields the route as the kernel shows it; removes it."""
        egress = self.config.egress
        done: list[list[str]] = []
        cmds = routes.setup_commands(point, egress.name, via=egress.peer_address)
        teardown = routes.teardown_commands(point)
        # teardown is in reverse order of setup; pair them so a partial setup undoes only
        # what was installed.
        undo_for = dict(zip(range(len(cmds)), reversed(teardown), strict=True))
        try:
            for i, cmd in enumerate(cmds):
                self.run(cmd)
                done.append(undo_for[i])
            shown = self.run(routes.route_show(point)).stdout.strip()
            self.verify_route(point, shown)
            yield shown
        finally:
            self._undo(done)

    @staticmethod
    def verify_route(point: ScenarioPoint, shown: str) -> None:
        """Check that ``ip -6 route show`` prints the encap the point asked for."""
        tokens = point.route.shown_tokens()
        missing = [t for t in tokens if t not in shown + " "]
        if not shown or missing:
            raise DutError(
                f"route for {point.point_id}: the kernel shows {shown!r}, missing {missing}"
            )

    # -- kernels ----------------------------------------------------------------------------
    def boot_id(self) -> str:
        """The running boot's random id (changes with every boot, never within one)."""
        return self.run(["cat", "/proc/sys/kernel/random/boot_id"], in_netns=False).stdout.strip()

    def grub_entry(self, release: str) -> str:
        """The GRUB menu path (``submenu>entry`` titles) that boots ``release``, read from the
        DUT's /boot/grub/grub.cfg."""
        cfg = self.run(["cat", "/boot/grub/grub.cfg"], in_netns=False).stdout
        entry = grub_entry_for(cfg, release)
        if entry is None:
            offered = ", ".join(grub_releases(cfg)) or "none"
            raise DutError(
                f"no GRUB menu entry boots {release} (/boot/grub/grub.cfg boots {offered}); "
                "install its linux-image package ('lwtbench dut install') or run update-grub "
                "on the DUT"
            )
        return entry

    def switch_kernel(self, variant: str) -> dict[str, object]:
        """Boot ``variant`` once with grub-reboot + reboot, wait for SSH, check the release."""
        if variant not in self.config.kernels:
            raise ParameterError(
                "kernel", variant, f"the testbed file knows {', '.join(self.config.kernels)}"
            )
        facts = self.boot_release(
            self.config.kernels[variant],
            entry=self.config.grub_entries.get(variant),
            label=f"kernel {variant}",
        )
        return {"variant": variant, **facts}

    def boot_release(
        self, release: str, *, entry: str | None = None, label: str | None = None
    ) -> dict[str, object]:
        """Reboot into the installed kernel ``release`` (no reboot when it already runs).

        ``grub-reboot`` selects the entry for the next boot only, so a kernel that hangs is
        left by a power cycle into GRUB's default entry. The wait ends when the DUT answers
        with a new boot id (an SSH answer from the system still shutting down does not count),
        then ``uname -r`` must be ``release``.
        """
        label = label or f"kernel {release}"
        if self.release() == release:
            return {"release": release, "rebooted": False}
        entry = entry or self.grub_entry(release)
        before = self.boot_id()
        self.run(["grub-reboot", entry], in_netns=False)
        env = self.run(["grub-editenv", "list"], check=False, in_netns=False).stdout
        if f"next_entry={entry}" not in env.splitlines():
            raise DutError(
                f"{label}: grub-reboot {entry!r} did not set next_entry in GRUB's environment "
                f"(grub-editenv list shows {env.strip()!r}); nothing was rebooted"
            )
        # on disk now: the choice survives a reboot that does not unmount cleanly
        self.run(["sync"], in_netns=False)
        start = time.monotonic()
        # The SSH session dies with the reboot; the command's status is never seen.
        with contextlib.suppress(Exception):
            self.runner.run(self._wrap(["systemctl", "reboot"], in_netns=False), timeout_s=5)
        self.runner.close()
        deadline = start + self.config.reboot_timeout_s
        last = "no answer yet"
        with _quiet_paramiko():  # each refused attempt during the boot logs a traceback
            while time.monotonic() < deadline:
                time.sleep(5)
                try:
                    with socket.create_connection((self.config.ssh.host, self.config.ssh.port), 5):
                        pass
                    if self.boot_id() == before:
                        last = "the old boot still answered (shutting down)"
                        self.runner.close()
                        continue
                    booted = self.release()
                except (OSError, DutError) as exc:
                    last = str(exc)
                    self.runner.close()
                    continue
                if booted != release:
                    raise DutError(
                        f"{label}: the DUT rebooted into {booted}, not {release}: GRUB did not "
                        f"boot the entry {entry!r} chosen with grub-reboot (check dut.grub_entries "
                        "in the testbed file, and that /boot/grub/grubenv is writable and "
                        "grub.cfg loads it, as update-grub's does)"
                    )
                return {
                    "release": booted,
                    "rebooted": True,
                    "grub_entry": entry,
                    "reboot_s": round(time.monotonic() - start, 1),
                }
        raise DutError(
            f"{label}: no SSH answer within {self.config.reboot_timeout_s:.0f} s of rebooting "
            f"into GRUB entry {entry!r} (last: {last}); the kernel may have failed to boot: "
            "look at the DUT's console; a power cycle boots GRUB's default entry"
        )


@contextlib.contextmanager
def _quiet_paramiko() -> Iterator[None]:
    """paramiko's transport logs every failed connection at ERROR with a traceback; while a
    DUT reboots those are expected, and the wait reports the last one if it gives up."""
    logger = logging.getLogger("paramiko.transport")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


_GRUB_BLOCK = re.compile(r"^\s*(menuentry|submenu)\s+(.*?)\s*\{\s*$")


def _grub_title(args: str) -> str:
    """The title of a ``menuentry``/``submenu`` line: its first (shell-quoted) word."""
    try:
        return shlex.split(args)[0]
    except (ValueError, IndexError):
        return args


def _grub_kernels(grub_cfg: str) -> list[tuple[str, str, bool]]:
    """``(menu path, release, recovery)`` of every entry that loads a /boot/vmlinuz-*."""
    path: list[str | None] = []  # one item per open brace: a title, or None for if/else
    found = []
    for line in grub_cfg.splitlines():
        if m := _GRUB_BLOCK.match(line):
            path.append(_grub_title(m.group(2)))
            continue
        stripped = line.strip()
        if stripped.endswith("{"):
            path.append(None)
        elif stripped == "}" and path:
            path.pop()
        elif m := re.match(r"linux(16|efi)?\s+\S*/vmlinuz-(\S+)(.*)$", stripped):
            titles = [t for t in path if t is not None]
            recovery = " single" in f" {m.group(3)} " or "recovery" in (titles or [""])[-1]
            if titles:
                found.append((">".join(titles), m.group(2), recovery))
    return found


def grub_entry_for(grub_cfg: str, release: str) -> str | None:
    """The menu path ``grub-reboot`` takes to boot ``release`` (not its recovery entry),
    preferring the entry that names the release (Debian's "Advanced options" submenu) over
    the top entry that boots the newest kernel; None when no entry boots it."""
    entries = [e for e in _grub_kernels(grub_cfg) if e[1] == release and not e[2]]
    named = [e for e in entries if release in e[0].rsplit(">", 1)[-1]]
    chosen = named or entries
    return chosen[0][0] if chosen else None


def grub_releases(grub_cfg: str) -> list[str]:
    """Every kernel release some GRUB entry boots, in menu order."""
    return list(dict.fromkeys(release for _, release, _ in _grub_kernels(grub_cfg)))


def queue_irqs(interrupts: str, dev: str, device: str) -> list[int]:
    """IRQs of ``dev``'s queues in /proc/interrupts: the lines that name the interface
    (e1000e, i40e, ixgbe ...), or for virtio-net, whose vectors are named after the virtio
    device ``device`` (``readlink -f /sys/class/net/<dev>/device``: ``.../virtio1``), that
    device's input/output lines (``virtio1-input.0``)."""
    found = _irqs_in(interrupts, dev)
    virtio = device.strip().rsplit("/", 1)[-1]
    if found or not virtio.startswith("virtio"):
        return found
    return _virtio_queue_irqs(interrupts, virtio)


def _virtio_queue_irqs(interrupts: str, virtio: str) -> list[int]:
    """IRQs of a virtio device's queues (``virtio1-input.0``, ``virtio1-output.0``; not its
    ``-config`` vector, which carries no packets)."""
    pattern = re.compile(rf"\s{re.escape(virtio)}-(input|output)\.\d+\s*$")
    return [
        int(head)
        for line in interrupts.splitlines()
        if (head := line.partition(":")[0].strip()).isdigit() and pattern.search(line)
    ]


def _irqs_in(interrupts: str, dev: str) -> list[int]:
    pattern = re.compile(rf"(^|[\s-]){re.escape(dev)}([\s-]|$)")
    out = []
    for line in interrupts.splitlines():
        head, _, rest = line.partition(":")
        if head.strip().isdigit() and pattern.search(rest):
            out.append(int(head))
    return out


def flatten(data: object, prefix: str = "") -> dict[str, object]:
    """Nested dicts as ``a.b.c`` -> leaf value (for diffs of snapshots)."""
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, object] = {}
    for key, value in data.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def snapshot_diff(base: dict[str, object], now: dict[str, object]) -> dict[str, list[object]]:
    """Every leaf that differs between two snapshots: path -> [base value, new value]."""
    a, b = flatten(base), flatten(now)
    return {k: [a.get(k), b.get(k)] for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)}


ETHTOOL_SHORT_NAMES: dict[str, str] = {
    "rx": "rx-checksumming",
    "tx": "tx-checksumming",
    "sg": "scatter-gather",
    "tso": "tcp-segmentation-offload",
    "ufo": "udp-fragmentation-offload",
    "gso": "generic-segmentation-offload",
    "gro": "generic-receive-offload",
    "lro": "large-receive-offload",
    "rxvlan": "rx-vlan-offload",
    "txvlan": "tx-vlan-offload",
    "ntuple": "ntuple-filters",
    "rxhash": "receive-hashing",
}
"""ethtool's legacy short names (``ethtool -K dev gro off``) and the feature names ``ethtool -k``
prints (ethtool.c, off_flag_def); ``-K`` takes both, ``-k`` shows only the long ones."""


def feature_name(name: str) -> str:
    """The name ``ethtool -k`` shows for ``name`` (a short name or already a long one)."""
    return ETHTOOL_SHORT_NAMES.get(name, name)


def _pairs(features: dict[str, str]) -> list[str]:
    return [x for f, s in features.items() for x in (f, s)]


def _channels(ethtool_l: str) -> int | None:
    """Current 'Combined' channel count from ``ethtool -l`` (the second such line)."""
    values = re.findall(r"^Combined:\s+(\d+|n/a)", ethtool_l, re.MULTILINE)
    if len(values) >= 2 and values[1].isdigit():
        return int(values[1])
    return None

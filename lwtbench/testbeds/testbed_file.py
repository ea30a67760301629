"""``testbed.yaml``: every host fact in one validated file (see ``env/testbed.example.yaml``).

No address, host name or interface name appears anywhere else in the project: campaigns say
what to measure, the testbed file says where. ``kind`` selects the testbed implementation;
other testbeds (the software lab) register their kind in :mod:`lwtbench.testbeds.kinds`.
"""

from __future__ import annotations

import importlib
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputFileError
from .base import TestbedFactory
from .kinds import kind_builder, known_kinds, register_kind

MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
IFNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")  # IFNAMSIZ is 16 with the NUL


@dataclass(frozen=True)
class SshTarget:
    """How to reach the DUT (host keys are always checked against ``known_hosts``)."""

    host: str
    """Host name or address."""
    user: str = "root"
    """Login user (root, or one allowed to run ip/sysctl/ethtool via sudo -n)."""
    port: int = 22
    """TCP port of sshd."""
    key_file: str | None = None
    """Private key; None uses the SSH agent and ~/.ssh defaults."""
    known_hosts: str = "~/.ssh/known_hosts"
    """File holding the DUT's host key; an unknown or changed key stops the run."""
    sudo: bool = False
    """Prefix privileged commands with ``sudo -n`` (when ``user`` is not root)."""


@dataclass(frozen=True)
class Interface:
    """One DUT port."""

    name: str
    """Interface name on the DUT (``enp1s0f0``)."""
    mac: str
    """Its MAC address (the generator sends to it)."""
    peer_mac: str
    """MAC of the generator port cabled to it."""
    address: str | None = None
    """IPv6 address configured on it (optional)."""
    peer_address: str | None = None
    """Generator-side address, used as the next hop on the egress port."""


@dataclass(frozen=True)
class DutConfig:
    """The device under test."""

    ssh: SshTarget
    """SSH access."""
    ingress: Interface
    """Port receiving the generator's traffic."""
    egress: Interface
    """Port sending the forwarded traffic back to the generator."""
    kernels: dict[str, str]
    """Kernel variant name -> release string (``uname -r``) once booted."""
    grub_entries: dict[str, str] = field(default_factory=dict)
    """Variant -> GRUB menu entry for ``grub-reboot`` (default: 'Advanced options for Debian
    GNU/Linux>Debian GNU/Linux, with Linux <release>')."""
    netns: str | None = None
    """Run every DUT command in this network namespace (tests; a netns DUT)."""
    forwarding_core: int | None = None
    """CPU core that gets every queue IRQ of both ports (single-queue RSS, as the paper)."""
    sysctls: dict[str, str] = field(default_factory=dict)
    """Extra sysctls to set for the run (forwarding is always set)."""
    offloads: dict[str, str] = field(default_factory=dict)
    """ethtool -K features to set on both ports, e.g. {gro: off}."""
    single_queue: bool = True
    """Set ``ethtool -L combined 1`` on both ports."""
    reboot_timeout_s: float = 600.0
    """How long to wait for SSH after a reboot."""


@dataclass(frozen=True)
class GeneratorConfig:
    """The TRex host."""

    server: str
    """TRex server host name or address."""
    sync_port: int = 4501
    """TRex RPC port."""
    async_port: int = 4500
    """TRex publisher port."""
    tx_port: int = 0
    """TRex port that sends into the DUT's ingress."""
    rx_port: int = 1
    """TRex port cabled to the DUT's egress."""
    trex_path: str | None = None
    """TRex install on the orchestrator (its ``automation/trex_control_plane/interactive``
    holds the client); None uses the PyPI package lbr-trex-client."""
    python: str | None = None
    """Python that runs the worker (default: this interpreter)."""
    settle_s: float = 1.0
    """Wait after traffic stops before the counters are read."""
    flows: int = 1
    """Distinct IPv6 flow labels the stream cycles through (1: one flow)."""


@dataclass(frozen=True)
class TrexTestbedConfig:
    """A validated ``kind: trex`` testbed file."""

    name: str
    """Free name, recorded in run.json."""
    source: str
    """File read."""
    generator: GeneratorConfig
    """TRex."""
    dut: DutConfig
    """DUT."""
    facts: dict[str, Any] = field(default_factory=dict)
    """Free-form facts recorded in run.json (NIC model, cabling ...)."""


class _V:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str, fix: str) -> InputFileError:
        return InputFileError(self.path, f"{where}: {problem}", fix)

    def section(self, data: object, where: str, required: set[str], optional: set[str]) -> dict:
        if not isinstance(data, dict):
            raise self.fail(where, f"expected a mapping, got {data!r}", "see testbed.example.yaml")
        unknown = sorted(set(data) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}", f"allowed: {allowed}")
        missing = sorted(required - set(data))
        if missing:
            raise self.fail(where, f"missing {', '.join(missing)}", "see testbed.example.yaml")
        return data

    def mac(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not MAC_RE.match(value.lower()):
            raise self.fail(where, f"{value!r} is not a MAC address", "e.g. 3c:fd:fe:00:00:01")
        return value.lower()

    def ifname(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not IFNAME_RE.match(value):
            raise self.fail(where, f"{value!r} is not an interface name", "at most 15 characters")
        return value

    def ipv6(self, value: object, where: str) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.IPv6Address(str(value)))
        except ValueError:
            raise self.fail(where, f"{value!r} is not an IPv6 address", "fix it") from None

    def port(self, value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
            raise self.fail(where, f"{value!r} is not a TCP port", "1..65535")
        return value


def _interface(v: _V, data: object, where: str) -> Interface:
    d = v.section(data, where, {"name", "mac", "peer_mac"}, {"address", "peer_address"})
    return Interface(
        name=v.ifname(d["name"], f"{where}.name"),
        mac=v.mac(d["mac"], f"{where}.mac"),
        peer_mac=v.mac(d["peer_mac"], f"{where}.peer_mac"),
        address=v.ipv6(d.get("address"), f"{where}.address"),
        peer_address=v.ipv6(d.get("peer_address"), f"{where}.peer_address"),
    )


def parse_trex_testbed(data: dict[str, Any], path: Path) -> TrexTestbedConfig:
    v = _V(path)
    top = v.section(data, "top level", {"kind", "generator", "dut"}, {"name", "facts"})
    g = v.section(
        top["generator"],
        "generator",
        {"server"},
        {
            "sync_port",
            "async_port",
            "tx_port",
            "rx_port",
            "trex_path",
            "python",
            "settle_s",
            "flows",
        },
    )
    gen = GeneratorConfig(
        server=str(g["server"]),
        sync_port=v.port(g.get("sync_port", 4501), "generator.sync_port"),
        async_port=v.port(g.get("async_port", 4500), "generator.async_port"),
        tx_port=int(g.get("tx_port", 0)),
        rx_port=int(g.get("rx_port", 1)),
        trex_path=g.get("trex_path"),
        python=g.get("python"),
        settle_s=float(g.get("settle_s", 1.0)),
        flows=int(g.get("flows", 1)),
    )
    if gen.tx_port == gen.rx_port:
        raise v.fail("generator.rx_port", "equals tx_port", "the DUT forwards port to port")
    if gen.trex_path is not None and not Path(gen.trex_path).expanduser().is_dir():
        raise v.fail(
            "generator.trex_path",
            f"{gen.trex_path!r} is not a directory",
            "give the TRex install directory, or drop the key to use lbr-trex-client",
        )
    d = v.section(
        top["dut"],
        "dut",
        {"ssh", "ingress", "egress", "kernels"},
        {
            "grub_entries",
            "netns",
            "forwarding_core",
            "sysctls",
            "offloads",
            "single_queue",
            "reboot_timeout_s",
        },
    )
    s = v.section(
        d["ssh"], "dut.ssh", {"host"}, {"user", "port", "key_file", "known_hosts", "sudo"}
    )
    ssh = SshTarget(
        host=str(s["host"]),
        user=str(s.get("user", "root")),
        port=v.port(s.get("port", 22), "dut.ssh.port"),
        key_file=s.get("key_file"),
        known_hosts=str(s.get("known_hosts", "~/.ssh/known_hosts")),
        sudo=bool(s.get("sudo", False)),
    )
    kernels = d["kernels"]
    if (
        not isinstance(kernels, dict)
        or not kernels
        or not all(isinstance(k, str) and isinstance(r, str) and r for k, r in kernels.items())
    ):
        raise v.fail(
            "dut.kernels",
            f"{kernels!r}",
            "a mapping variant -> release, e.g. {vanilla: 6.12.117-lwtb-vanilla}",
        )
    offloads = d.get("offloads", {}) or {}
    for feature, state in offloads.items():
        if state not in ("on", "off"):
            raise v.fail(f"dut.offloads.{feature}", f"{state!r}", "on or off (quote them in YAML)")
    dut = DutConfig(
        ssh=ssh,
        ingress=_interface(v, d["ingress"], "dut.ingress"),
        egress=_interface(v, d["egress"], "dut.egress"),
        kernels=dict(kernels),
        grub_entries=dict(d.get("grub_entries", {}) or {}),
        netns=d.get("netns"),
        forwarding_core=d.get("forwarding_core"),
        sysctls={str(k): str(x) for k, x in (d.get("sysctls", {}) or {}).items()},
        offloads=dict(offloads),
        single_queue=bool(d.get("single_queue", True)),
        reboot_timeout_s=float(d.get("reboot_timeout_s", 600.0)),
    )
    return TrexTestbedConfig(
        name=str(top.get("name", path.stem)),
        source=str(path),
        generator=gen,
        dut=dut,
        facts=dict(top.get("facts", {}) or {}),
    )


def read_testbed_yaml(path: Path | str) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "no such file", "copy env/testbed.example.yaml and fill it in")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputFileError(
            p, f"not valid YAML ({exc})".replace("\n", " "), "fix the syntax"
        ) from None
    if not isinstance(data, dict) or "kind" not in data:
        raise InputFileError(p, "no 'kind'", f"kind: one of {', '.join(known_kinds())}")
    return data


def load_testbed_factory(path: Path | str) -> TestbedFactory:
    """Validate a testbed file and return a factory for its testbed (nothing connects yet)."""
    p = Path(path)
    data = read_testbed_yaml(p)
    kind = data["kind"]
    builder = kind_builder(kind)
    if builder is None:
        raise InputFileError(p, f"kind: {kind!r} unknown", f"one of {', '.join(known_kinds())}")
    return builder(data, p)


def _simulated(data: dict[str, Any], path: Path) -> TestbedFactory:
    from .simulated import SimulatedTestbed

    v = _V(path)
    d = v.section(
        data,
        "top level",
        {"kind"},
        {"name", "base_capacity_pps", "kernel_factors", "seed", "jitter", "wall_s_per_trial_s"},
    )
    kwargs = {k: d[k] for k in d if k not in ("kind", "name")}
    try:
        SimulatedTestbed(**kwargs)
    except (TypeError, ValueError) as exc:
        raise v.fail("top level", str(exc), "see the SimulatedTestbed docstring") from None
    return lambda: SimulatedTestbed(**kwargs)


def _trex(data: dict[str, Any], path: Path) -> TestbedFactory:
    config = parse_trex_testbed(data, path)

    def factory():
        # Looked up by name, as the registry does for every kind: the trex module imports this
        # one for its configuration types (the trex package will register its own kind).
        trex = importlib.import_module(f"{__package__}.trex")
        return trex.TrexTestbed(config)

    return factory


register_kind("simulated", _simulated)
register_kind("trex", _trex)

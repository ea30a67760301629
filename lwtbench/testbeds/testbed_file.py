"""``testbed.yaml``: every host fact in one validated file (see ``env/testbed.example.yaml``).

No address, host name or interface name appears anywhere else in the project: campaigns say
what to measure, the testbed file says where. ``kind`` selects the testbed implementation;
other testbeds (the software lab) register their kind in :mod:`lwtbench.testbeds.kinds`.

The file is read with the safe loader of :mod:`lwtbench.yamlfile` and validated by the strict
schemas below (:mod:`lwtbench.validation`): a wrong type, a value out of range, a quoted
``"false"`` where a boolean belongs or an unknown key stops with the key path and the fix,
before anything connects. Callers get the frozen dataclasses, never the schema models.
"""

from __future__ import annotations

import importlib
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PlainValidator, model_validator

from ..errors import InputFileError
from ..validation import Bool, Ipv6, Name, Strict, choice, int_in, number_in, refuse, text, validate
from ..yamlfile import load_yaml_file
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
    force: bool = False
    """Take the TRex ports even when another user holds them (TRex's ``force``)."""
    max_load_pps: float | None = None
    """Highest load a search asks for; None: the generator's ceiling measured per frame size."""
    netns: str | None = None
    """Run the TRex client in this network namespace (a server on veth inside one)."""
    late_tolerance_s: float = 0.25
    """Traffic ending later than its duration by more than this (+5 %) counts the late share
    as unsent (lwtbench.testbeds.trex.testbed.LATE_TOLERANCE_S)."""


@dataclass(frozen=True)
class VmDutSection:
    """The DUT is a virtual DUT of ``lwtbench vm``: a rehearsal of this testbed kind without
    hardware (lwtbench.testbeds.trex.vm). The run starts the TRex server on the machine's
    host taps and labels its rows as a virtual DUT's, never as hardware."""

    name: str
    """The running machine (``lwtbench vm start --name NAME``)."""
    platform: str
    """Model platform of the DUT's receive path for the campaign's frames (run.json's
    ``dut.platform``), e.g. ``x86_64/virtio_net`` for 129..1204 B frames."""


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
    vm: VmDutSection | None = None
    """Set when the DUT is a virtual DUT of ``lwtbench vm`` (no hardware)."""


# --- the file's schema (pydantic); the dataclasses above are what callers get ------------

_TESTBED_FIX = "see env/testbed.example.yaml"
# Host names and user names reach ssh and the TRex client as arguments: no leading '-' (an
# option) and no blanks, whatever the argument-list discipline downstream.
_HOST = text(r"^[A-Za-z0-9_.:%\[\]][A-Za-z0-9_.:%\[\]-]{0,252}$", "a host name or address")
_USER = text(r"^[a-z_][a-z0-9_.-]{0,31}$", "a user name")
_PATH = text(r"^[^\x00-\x1f]{1,4095}$", "a path")
_RELEASE = text(r"^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$", "a kernel release (uname -r)")
_MAC = text(MAC_RE.pattern, "a MAC address such as 3c:fd:fe:00:00:01 (lower case)")
_IFNAME = text(IFNAME_RE.pattern, "an interface name of at most 15 characters")
_SYSCTL = text(r"^[a-z0-9_][a-z0-9_./-]{0,127}$", "a sysctl name such as net.ipv6.conf.all.x")


def _sysctl_value(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and len(value) <= 256 and value.isprintable():
        return value
    raise refuse(f'expected a number or a quoted string, got {value!r}; e.g. "1"')


def _on_off(value: object) -> str:
    if value in ("on", "off"):
        return str(value)
    if isinstance(value, bool):
        # YAML 1.1 reads a bare on/off as a boolean: say so rather than guess which was meant.
        raise refuse(f'expected on or off, got {value!r}; quote them in YAML: "off"')
    raise refuse(f"expected on or off, got {value!r}; see env/testbed.example.yaml")


_SYSCTL_VALUE = Annotated[str, PlainValidator(_sysctl_value)]
_ON_OFF = Annotated[str, PlainValidator(_on_off)]
_TCP_PORT = int_in(1, 65535)
TREX_PORT_MAX = 63
"""Highest TRex port id accepted: TRex numbers the ports of one server from 0."""
CPU_MAX = 8191
"""Highest CPU number accepted (x86_64's CONFIG_NR_CPUS maximum is 8192)."""
_KIND = choice("lab", "simulated", "trex")


class _InterfaceFile(Strict):
    name: _IFNAME
    mac: _MAC
    peer_mac: _MAC
    address: Ipv6 | None = None
    peer_address: Ipv6 | None = None

    @model_validator(mode="before")
    @classmethod
    def _lower_macs(cls, data: object) -> object:
        if isinstance(data, dict):
            return {
                k: v.lower() if k in ("mac", "peer_mac") and isinstance(v, str) else v
                for k, v in data.items()
            }
        return data


class _SshFile(Strict):
    host: _HOST
    user: _USER = "root"
    port: _TCP_PORT = 22
    key_file: _PATH | None = None
    known_hosts: _PATH = "~/.ssh/known_hosts"
    sudo: Bool = False


class _DutFile(Strict):
    ssh: _SshFile
    ingress: _InterfaceFile
    egress: _InterfaceFile
    kernels: dict[Name, _RELEASE] = Field(min_length=1)
    grub_entries: dict[Name, _PATH] = Field(default_factory=dict)
    netns: _IFNAME | None = None
    forwarding_core: int_in(0, CPU_MAX) | None = None
    sysctls: dict[_SYSCTL, _SYSCTL_VALUE] = Field(default_factory=dict)
    offloads: dict[Name, _ON_OFF] = Field(default_factory=dict)
    single_queue: Bool = True
    reboot_timeout_s: number_in(0, 86400, lo_open=True) = 600.0

    @model_validator(mode="after")
    def _grub_names_kernels(self) -> _DutFile:
        unknown = sorted(set(self.grub_entries) - set(self.kernels))
        if unknown:
            raise refuse(f"grub_entries: {', '.join(unknown)} not in dut.kernels; add them there")
        if self.ingress.name == self.egress.name:
            raise refuse("ingress and egress are the same interface; give the two DUT ports")
        return self


class _GeneratorFile(Strict):
    server: _HOST
    sync_port: _TCP_PORT = 4501
    async_port: _TCP_PORT = 4500
    tx_port: int_in(0, TREX_PORT_MAX) = 0
    rx_port: int_in(0, TREX_PORT_MAX) = 1
    trex_path: _PATH | None = None
    python: _PATH | None = None
    settle_s: number_in(0, 3600) = 1.0
    flows: int_in(1, 65535) = 1
    force: bool = False
    max_load_pps: number_in(0, 1e12, lo_open=True) | None = None
    netns: Name | None = None
    late_tolerance_s: number_in(0, 3600) = 0.25


def _platform_name(value: object) -> str:
    from ..errors import UnknownPlatformError
    from ..model.platforms import platform

    try:
        platform(str(value))
    except UnknownPlatformError as exc:
        raise refuse(f"{value!r}: {exc}; see lwtbench model platforms") from None
    return str(value)


class _VmFile(Strict):
    name: Name
    platform: Annotated[str, PlainValidator(_platform_name)]


class _TrexFile(Strict):
    kind: _KIND
    name: Name | None = None
    generator: _GeneratorFile
    dut: _DutFile
    facts: dict[str, Any] = Field(default_factory=dict)
    vm: _VmFile | None = None


class _SimulatedFile(Strict):
    kind: _KIND
    name: Name | None = None
    base_capacity_pps: number_in(0, 1e12, lo_open=True) = 1_000_000.0
    kernel_factors: dict[Name, number_in(0, 1000, lo_open=True)] | None = Field(
        default=None, min_length=1
    )
    seed: int_in(0, 2**63 - 1) = 0
    jitter: number_in(0, 1) = 0.0
    wall_s_per_trial_s: number_in(0, 10) = 0.0


def _parse(model: type[Strict], data: object, path: Path) -> Any:
    return validate(model, data, path, _TESTBED_FIX)


def parse_trex_testbed(data: dict[str, Any], path: Path) -> TrexTestbedConfig:
    """Validate a ``kind: trex`` file's parsed YAML; an :class:`InputFileError` names the key."""
    path = Path(path)
    f = _parse(_TrexFile, data, path)
    g, d = f.generator, f.dut
    if g.tx_port == g.rx_port:
        raise InputFileError(
            path, "generator.rx_port: equals tx_port", "the DUT forwards port to port"
        )
    if g.trex_path is not None and not Path(g.trex_path).expanduser().is_dir():
        raise InputFileError(
            path,
            f"generator.trex_path: {g.trex_path!r} is not a directory",
            "give the TRex install directory, or drop the key to use lbr-trex-client",
        )
    if g.python is not None:
        found = shutil.which(str(Path(g.python).expanduser()))
        if found is None:
            raise InputFileError(
                path,
                f"generator.python: {g.python!r} is not an executable",
                "give the Python that has the TRex client, or drop the key to use this one",
            )
    # The schema models carry the dataclasses' field names, so each maps over by name.
    gen = GeneratorConfig(**g.model_dump())
    ssh = SshTarget(**d.ssh.model_dump())
    dut = DutConfig(
        ssh=ssh,
        ingress=Interface(**d.ingress.model_dump()),
        egress=Interface(**d.egress.model_dump()),
        kernels=dict(d.kernels),
        grub_entries=dict(d.grub_entries),
        netns=d.netns,
        forwarding_core=d.forwarding_core,
        sysctls=dict(d.sysctls),
        offloads=dict(d.offloads),
        single_queue=d.single_queue,
        reboot_timeout_s=d.reboot_timeout_s,
    )
    return TrexTestbedConfig(
        name=f.name or path.stem,
        source=str(path),
        generator=gen,
        dut=dut,
        facts=dict(f.facts),
        vm=VmDutSection(**f.vm.model_dump()) if f.vm is not None else None,
    )


def read_testbed_yaml(path: Path | str) -> dict[str, Any]:
    """The file's YAML (safe loader: see :mod:`lwtbench.yamlfile`) with a known ``kind``."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(p, "no such file", "copy env/testbed.example.yaml and fill it in")
    data = load_yaml_file(p, "testbed")
    if not isinstance(data, dict) or "kind" not in data:
        raise InputFileError(p, "no 'kind'", f"kind: one of {', '.join(known_kinds())}")
    kind = data["kind"]
    if not isinstance(kind, str) or not kind.isidentifier():
        raise InputFileError(p, f"kind: {kind!r} unknown", f"one of {', '.join(known_kinds())}")
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


def offered_kernels(path: Path | str) -> tuple[str, ...]:
    """Kernel variants the testbed of ``path`` offers, read from the file (nothing boots)."""
    p = Path(path)
    data = read_testbed_yaml(p)
    kind = data["kind"]
    if kind == "trex":
        return tuple(parse_trex_testbed(data, p).dut.kernels)
    if kind == "simulated":
        return load_testbed_factory(p)().kernel_variants()
    if kind == "lab":
        from .lab.kind import lab_config

        return lab_config(data, p).variants
    load_testbed_factory(p)  # validates a kind registered from elsewhere
    return ()


def check_kernels(campaign_kernels: Sequence[str], source: object, path: Path | str) -> None:
    """Refuse a campaign whose kernels the testbed file does not offer, before anything runs."""
    offered = offered_kernels(path)
    if not offered:
        return
    missing = [k for k in campaign_kernels if k not in offered]
    if missing:
        raise InputFileError(
            source,
            f"kernels: {', '.join(missing)} not offered by the testbed {path} "
            f"(it offers {', '.join(offered)})",
            "add the kernel to the testbed file or remove it from the campaign",
        )


def _simulated(data: dict[str, Any], path: Path) -> TestbedFactory:
    from .simulated import SimulatedTestbed

    f = validate(_SimulatedFile, data, path, "see lwtbench/testbeds/simulated.py")
    kwargs = f.model_dump(exclude={"kind", "name"})
    return lambda: SimulatedTestbed(**kwargs)


def _trex(data: dict[str, Any], path: Path) -> TestbedFactory:
    config = parse_trex_testbed(data, path)

    def factory():
        # Looked up by name, as the registry does for every kind: the trex module imports this
        # one for its configuration types (the trex package will register its own kind).
        trex = importlib.import_module(f"{__package__}.trex")
        if config.vm is not None:  # the virtual DUT's rehearsal: its glue, then the same path
            return importlib.import_module(f"{__package__}.trex.vm").VmTrexTestbed(config)
        return trex.TrexTestbed(config)

    return factory


register_kind("simulated", _simulated)
register_kind("trex", _trex)

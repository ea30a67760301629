"""The running virtual DUT as the hardware path sees it: a ``dut:`` section of a testbed file.

:func:`vm_dut_config` gives the :class:`~lwtbench.testbeds.testbed_file.DutConfig` of a
running machine (SSH on 127.0.0.1 with the project's key and the machine's pinned host key;
eth1/eth2 as ingress/egress, the taps' MACs as their peers), so that
:class:`~lwtbench.testbeds.dut.Dut` drives it exactly as it drives a server, and
:func:`dut_section_yaml` writes the same facts as the ``dut:`` section of a testbed file
(env/testbed.vm.yaml is one, for ``lwtbench vm start --ssh-port 10022``).
"""

from __future__ import annotations

from ..vm.machine import TAP_MACS, TEST_MACS, RunningMachine
from .testbed_file import DutConfig, Interface, SshTarget

PORTS = ("eth1", "eth2")
"""The guest's names of the two test NICs (the kernel's classic names: net.ifnames=0)."""

FORWARDING_CORE = 1
"""The vCPU that gets the test NICs' queue IRQs (the VM has 2 by default; 0 runs the rest)."""

OFFLOADS = {"gro": "off", "tso": "off", "gso": "off"}
"""As on the paper's DUT: no aggregation, so every packet is forwarded as it came."""


def vm_dut_config(
    machine: RunningMachine,
    kernels: dict[str, str],
    *,
    reboot_timeout_s: float = 900.0,
) -> DutConfig:
    """The DutConfig of a running virtual DUT; ``kernels`` maps variant -> ``uname -r``."""
    return DutConfig(
        ssh=SshTarget(
            host="127.0.0.1",
            user=machine.ssh_user,
            port=machine.ssh_port,
            key_file=machine.ssh_key,
            known_hosts=machine.known_hosts,
        ),
        ingress=Interface(PORTS[0], TEST_MACS[0], TAP_MACS[0]),
        egress=Interface(PORTS[1], TEST_MACS[1], TAP_MACS[1]),
        kernels=dict(kernels),
        forwarding_core=FORWARDING_CORE,
        offloads=dict(OFFLOADS),
        single_queue=True,
        reboot_timeout_s=reboot_timeout_s,
    )


def dut_section_yaml(machine: RunningMachine, kernels: dict[str, str]) -> str:
    """The ``dut:`` section of a testbed file for the running machine (YAML text)."""
    config = vm_dut_config(machine, kernels)
    lines = [
        "dut:",
        "  ssh:",
        f"    host: {config.ssh.host}",
        f"    user: {config.ssh.user}",
        f"    port: {config.ssh.port}",
        f"    key_file: {config.ssh.key_file}",
        f"    known_hosts: {config.ssh.known_hosts}",
    ]
    for role, port in (("ingress", config.ingress), ("egress", config.egress)):
        lines += [
            f"  {role}:",
            f"    name: {port.name}",
            f"    mac: {port.mac}",
            f"    peer_mac: {port.peer_mac}",
        ]
    lines.append("  kernels:")
    lines += [f"    {variant}: {release}" for variant, release in config.kernels.items()]
    offloads = ", ".join(f'{k}: "{v}"' for k, v in config.offloads.items())
    lines += [
        f"  forwarding_core: {config.forwarding_core}",
        "  single_queue: true",
        f"  offloads: {{{offloads}}}",
        f"  reboot_timeout_s: {config.reboot_timeout_s:g}",
    ]
    return "\n".join(lines) + "\n"

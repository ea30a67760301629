"""Network namespaces joined by veth pairs: the one harness every software wire is made with.

The host probe (:mod:`lwtbench.testbeds.probe`), the lab's vector NIC path
(:mod:`lwtbench.testbeds.lab.namespace`) and the packet self-check
(:mod:`lwtbench.selfcheck.kernelcheck`) all create their namespaces here, so that:

- every name carries this process's id and a per-process count (``<prefix><pid>-<n>-<role>``):
  runs in parallel on one host never collide, and a namespace whose process is gone is known
  to be a leftover (``lwtbench lab cleanup`` finds the lab's by that pid);
- a namespace made here is removed when its ``with`` block ends, failures included, and, if the
  process exits before (an uncaught exception in a thread, ``sys.exit``), by an exit hook;
- commands are argument lists given to an ``ip`` runner (``ip`` on this host by default).

A bottom-layer module: it imports nothing of lwtbench, so any layer may use it.
"""

from __future__ import annotations

import atexit
import itertools
import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress

IpRunner = Callable[[Sequence[str]], str]
"""Runs ``ip <args>`` on the machine under test and returns its standard output."""


class CommandError(RuntimeError):
    """An ``ip`` command failed; the message holds the command and its error output."""


def local_ip(args: Sequence[str]) -> str:
    """The default runner: ``ip`` on this machine, as an argument list."""
    cmd = ["ip", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CommandError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


_COUNT = itertools.count(1)
_LIVE: set[str] = set()
"""Namespaces this process made on this host with :func:`local_ip` and has not removed."""


def netns_name(prefix: str, role: str) -> str:
    """A namespace name no other process (and no earlier call here) uses:
    ``<prefix><pid>-<n>-<role>``."""
    return f"{prefix}{os.getpid()}-{next(_COUNT)}-{role}"


def add_netns(name: str, ip: IpRunner = local_ip) -> str:
    """Create namespace ``name``; on this host, also remembered for the exit hook."""
    ip(["netns", "add", name])
    if ip is local_ip:
        _LIVE.add(name)
    return name


def del_netns(name: str, ip: IpRunner = local_ip) -> None:
    """Remove namespace ``name`` (its veth ends go with it); one already gone is no error."""
    _LIVE.discard(name)
    with suppress(CommandError):
        ip(["netns", "del", name])


@atexit.register
def _remove_live() -> None:
    for name in sorted(_LIVE):
        del_netns(name)


@contextmanager
def namespaces(
    prefix: str, roles: Sequence[str], ip: IpRunner = local_ip
) -> Iterator[dict[str, str]]:
    """One new namespace per role (role -> name), all removed when the block ends."""
    names = {role: netns_name(prefix, role) for role in roles}
    made: list[str] = []
    try:
        for name in names.values():
            made.append(add_netns(name, ip))
        yield names
    finally:
        for name in reversed(made):
            del_netns(name, ip)


def add_veth(
    netns: str,
    dev: str,
    peer: str,
    peer_netns: str | None = None,
    *,
    peer_mac: str | None = None,
    ip: IpRunner = local_ip,
) -> None:
    """A veth pair ``dev`` (in ``netns``) -- ``peer`` (in ``peer_netns``, default the same)."""
    args = ["-n", netns, "link", "add", dev, "type", "veth", "peer", "name", peer]
    if peer_mac is not None:
        args += ["address", peer_mac]
    if peer_netns is not None:
        args += ["netns", peer_netns]
    ip(args)


def netns_sysctl(netns: str, key: str, value: str, ip: IpRunner = local_ip) -> None:
    """``sysctl -qw key=value`` inside ``netns``."""
    ip(["netns", "exec", netns, "sysctl", "-qw", f"{key}={value}"])

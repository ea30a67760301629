"""The host side of the vector NIC path: a named network namespace with a veth pair, and the
AF_PACKET generator program that sends into it (constant code, parameters as argv only).
"""

from __future__ import annotations

from ...netns import (
    CommandError,
    add_netns,
    add_veth,
    del_netns,
    local_ip,
    netns_name,
    netns_sysctl,
)
from .cleanup import NETNS_PREFIX
from .errors import LabError

VECTOR_HOST_SIDE, VECTOR_UML_SIDE = "vh0", "vh1"
"""The host veth pair of the vector path: the generator sends on vh0, UML reads vh1."""

AF_PACKET_SENDER = (
    "import socket, sys, time\n"
    "iface, count, frame = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])\n"
    "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
    "s.bind((iface, 0))\n"
    "sent = 0\n"
    "for i in range(count):\n"
    "    sent += s.send(frame) == len(frame)\n"
    "    if i % 16 == 15:\n"
    "        time.sleep(0.002)  # ~8 kpps: below what the UML vector NIC forwards\n"
    "print(sent)\n"
)
"""A constant generator program; parameters arrive as argv only."""


def vector_host_netns() -> str:
    """A host namespace holding the veth pair of the vector path, IPv6 off (no chatter).

    The session removes it when it closes (:func:`lwtbench.netns.del_netns`); the harness
    also removes it when the process exits, and its name (this process's id) lets
    ``lwtbench lab cleanup`` find it after a ``kill -9``."""
    name = add_netns(netns_name(NETNS_PREFIX, "host"))
    try:
        netns_sysctl(name, "net.ipv6.conf.default.disable_ipv6", "1")
        netns_sysctl(name, "net.ipv6.conf.all.disable_ipv6", "1")
        add_veth(name, VECTOR_HOST_SIDE, VECTOR_UML_SIDE)
        for dev in (VECTOR_HOST_SIDE, VECTOR_UML_SIDE):
            local_ip(["-n", name, "link", "set", dev, "up"])
    except CommandError as exc:
        del_netns(name)
        raise LabError(f"vector path set-up failed: {exc}") from exc
    return name

"""The host side of the vector NIC path: a named network namespace with a veth pair, and the
AF_PACKET generator program that sends into it (constant code, parameters as argv only).
"""

from __future__ import annotations

import os
import subprocess
import time

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
    """A host namespace holding the veth pair of the vector path, IPv6 off (no chatter)."""
    # Named with this process's id: a namespace of a dead run is found and removed (cleanup).
    name = f"{NETNS_PREFIX}{os.getpid()}-{time.monotonic_ns() % 100000}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        for cmd in (
            ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
            ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
            ["ip", "link", "add", VECTOR_HOST_SIDE, "type", "veth", "peer", "name",
             VECTOR_UML_SIDE],
            ["ip", "link", "set", VECTOR_HOST_SIDE, "up"],
            ["ip", "link", "set", VECTOR_UML_SIDE, "up"],
        ):  # fmt: skip
            subprocess.run(["ip", "netns", "exec", name, *cmd], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        raise LabError(f"vector path set-up failed: {exc.stderr}") from exc
    return name

"""Whether a process, or a process group, still exists on this host.

The leftovers of killed runs (lab work folders and namespaces, a virtual DUT's QEMU, a TRex
server's process group) are told from live ones by the process that made them; signal 0 asks
the kernel without touching the process.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def _exists(send: Callable[[int, int], None], target: int) -> bool:
    try:
        send(target, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    return True


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on the host."""
    return _exists(os.kill, pid)


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is left."""
    return _exists(os.killpg, pgid)

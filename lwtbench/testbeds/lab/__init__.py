"""The software lab: User-Mode Linux kernels forwarding pktgen traffic, reallocations counted.

Holds the lab testbed kind (``kind: lab``, registered on import of this package) and its
pieces: NIC profiles (:mod:`.nic`), a booted kernel and its init (:mod:`.session`,
:mod:`.init`), GCOV reallocation counts (:mod:`.gcov`, :mod:`.counting`), the vector NIC's
host namespace (:mod:`.namespace`) and the :class:`~lwtbench.testbeds.base.Testbed` the
campaign runner drives (:mod:`.testbed`).

Must not import: ``lwtbench.runs``, ``lwtbench.results``, ``lwtbench.analysis``,
``lwtbench.figures``, ``lwtbench.cli``. Importing this package stays light (standard library
only): :mod:`.init` runs inside the UML kernel, where every import costs system calls.
"""

from ..kinds import register_kind
from .kind import lab_kind

register_kind("lab", lab_kind)


# The lab's names as ``from lwtbench.testbeds.lab import LabSession`` (the module was one file
# before it was split), loaded on first use so that importing the package stays light.
_EXPORTS = {
    "NIC_PROFILES": "nic",
    "NicProfile": "nic",
    "nic_profile": "nic",
    "vector_equivalent": "nic",
    "LabError": "errors",
    "PktgenSharedOnlyError": "errors",
    "VECTOR_HOST_SIDE": "namespace",
    "VECTOR_UML_SIDE": "namespace",
    "vector_host_netns": "namespace",
    "LabKernel": "session",
    "LabSession": "session",
    "lab_kernel": "session",
    "start_session": "session",
    "PointCount": "counting",
    "count_point": "counting",
    "LabMeasurer": "testbed",
    "LabTestbed": "testbed",
    "lab_provenance": "testbed",
    "KERNELS": "kind",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

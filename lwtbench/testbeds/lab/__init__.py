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

"""What the lab needs before a run, checked without changing anything: root, the UML kernels
the testbed file asks for (built and cached), pktgen in them, gcov for counting kernels, and
iproute2 for the vector NIC's namespace."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..base import Check
from .kind import KERNELS
from .nic import nic_profile


def _pktgen(kernel: Any) -> Check:
    build_dir = (kernel.manifest or {}).get("build_dir")
    config = Path(str(build_dir)) / ".config" if build_dir else None
    name = f"pktgen in {kernel.variant}/{kernel.flavour}"
    if config is None or not config.is_file():
        return Check(name, False, "the kernel's build config is gone: rebuild it (kernel build)")
    text = config.read_text(errors="replace")
    ok = "CONFIG_NET_PKTGEN=y" in text.splitlines()
    return Check(name, ok, f"CONFIG_NET_PKTGEN {'built in' if ok else 'missing'} ({config})")


def lab_preflight(data: dict[str, Any]) -> list[Check]:
    """Checks for a ``kind: lab`` testbed file already validated by its kind builder."""
    from ...kernel.build import cached_uml_kernel  # lazy: the kernel layer is heavy to import

    nic = nic_profile(str(data.get("nic", "i40e")))
    flavour = str(data.get("flavour", "timing"))
    variants = tuple(data.get("variants", KERNELS))
    checks = [
        Check(
            "root",
            os.geteuid() == 0,
            "running as root"
            if os.geteuid() == 0
            else "run as root: the lab boots UML on the host's / and makes network namespaces",
        )
    ]
    for variant in variants:
        kernel = cached_uml_kernel(variant, flavour)
        if kernel is None:
            checks.append(
                Check(
                    f"kernel {variant}/{flavour}",
                    False,
                    "not built: lwtbench kernel build --kernel "
                    f"{variant} --flavour {flavour} (tens of minutes on two cores)",
                )
            )
            continue
        checks.append(
            Check(f"kernel {variant}/{flavour}", True, f"{kernel.release} at {kernel.linux}")
        )
        if nic.ingress == "pktgen":
            checks.append(_pktgen(kernel))
    if flavour == "counting":
        gcov = shutil.which("gcov")
        checks.append(Check("gcov", gcov is not None, gcov or "not found: apt install gcc"))
    if nic.ingress == "vector":
        ip = shutil.which("ip")
        checks.append(Check("iproute2", ip is not None, ip or "not found: apt install iproute2"))
    return checks

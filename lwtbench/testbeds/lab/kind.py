"""``kind: lab`` in a testbed file: its keys, checked before anything boots.

Standard library and :mod:`lwtbench.errors` only at import time: the lab's init imports this
package inside User-Mode Linux.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InputFileError

KERNELS = ("vanilla", "debian-6.12", "fixed", "debian-6.1")
"""Kernel variants the lab builds and boots as User-Mode Linux."""


def lab_kind(data: dict[str, Any], path: Path):
    """``kind: lab`` in a testbed file: ``nic``, ``flavour``, ``variants``, ``late_is_loss``
    (all optional)."""
    from .nic import NIC_PROFILES
    from .testbed import LabTestbed

    unknown = set(data) - {"kind", "name", "nic", "flavour", "variants", "late_is_loss"}
    if unknown:
        raise InputFileError(
            path, f"unknown keys {sorted(unknown)}", "use nic, flavour, variants, late_is_loss"
        )
    late_is_loss = data.get("late_is_loss", True)
    if not isinstance(late_is_loss, bool):
        raise InputFileError(path, f"late_is_loss: {late_is_loss!r}", "true or false")
    nic = str(data.get("nic", "i40e"))
    if nic not in NIC_PROFILES:  # checked now, before anything boots
        raise InputFileError(path, f"nic: {nic!r} unknown", f"one of {', '.join(NIC_PROFILES)}")
    flavour = str(data.get("flavour", "timing"))
    if flavour not in ("timing", "counting"):
        raise InputFileError(path, f"flavour: {flavour!r}", "timing or counting")
    variants = tuple(data.get("variants", KERNELS))
    bad = [v for v in variants if v not in KERNELS]
    if bad:
        raise InputFileError(path, f"variants: {bad} unknown", f"use {', '.join(KERNELS)}")
    return lambda: LabTestbed(
        nic=nic, flavour=flavour, variants=variants, late_is_loss=late_is_loss
    )

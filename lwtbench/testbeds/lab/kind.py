"""``kind: lab`` in a testbed file: its keys, checked before anything boots.

Standard library only at import time: the lab's init imports this package inside User-Mode
Linux, so the schema (pydantic) is imported when a file is actually validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...variant_names import BUILT_VARIANTS

KERNELS = BUILT_VARIANTS
"""Kernel variants the lab builds and boots as User-Mode Linux: every variant the project
builds (:mod:`lwtbench.variant_names`, standard library only, light enough for the UML init).
Each is built only when a campaign uses it."""


@dataclass(frozen=True)
class LabTestbedConfig:
    """A validated ``kind: lab`` testbed file (the lab builds its testbed from it)."""

    name: str
    """Free name (default: the file's stem)."""
    nic: str
    """Receive-headroom profile name."""
    flavour: str
    """``timing`` or ``counting`` kernels."""
    variants: tuple[str, ...]
    """Kernel variants the lab boots."""
    late_is_loss: bool
    """Packets sent after a trial's intended duration count as lost."""


def lab_config(data: dict[str, Any], path: Path | str) -> LabTestbedConfig:
    """Validate a ``kind: lab`` file against the lab's NIC profiles and kernel variants: types,
    quoted booleans and unknown keys are refused with the key path and the fix."""
    from pydantic import Field

    from ...errors import InputFileError
    from ...validation import Bool, Name, Strict, choice, validate
    from .nic import NIC_PROFILES

    class LabFile(Strict):
        kind: choice("lab")
        name: Name | None = None
        nic: choice(*NIC_PROFILES) = "i40e"
        flavour: choice("timing", "counting") = "timing"
        variants: list[choice(*KERNELS)] = Field(
            default_factory=lambda: list(KERNELS), min_length=1
        )
        late_is_loss: Bool = True

    f = validate(LabFile, data, Path(path), "see env/testbed.lab.yaml")
    if len(set(f.variants)) != len(f.variants):
        raise InputFileError(path, f"variants: {f.variants} repeats a name", "list each once")
    return LabTestbedConfig(
        name=f.name or Path(path).stem,
        nic=f.nic,
        flavour=f.flavour,
        variants=tuple(f.variants),
        late_is_loss=f.late_is_loss,
    )


def lab_kind(data: dict[str, Any], path: Path):
    """``kind: lab`` in a testbed file: ``nic``, ``flavour``, ``variants``, ``late_is_loss``
    (all optional)."""
    from .testbed import LabTestbed

    config = lab_config(data, path)
    return lambda: LabTestbed(
        nic=config.nic,
        flavour=config.flavour,
        variants=config.variants,
        late_is_loss=config.late_is_loss,
    )

"""``lwtbench preflight``: what a testbed file's kind needs, checked before hours of runs.

The file is validated first (an unknown kind or NIC profile is an error, not a pass); then
each kind checks what it needs. Nothing is changed on any host.
"""

from __future__ import annotations

from pathlib import Path

from .base import Check
from .testbed_file import load_testbed_factory, read_testbed_yaml


def preflight_checks(testbed_file: Path | str, campaign: object = None) -> list[Check]:
    """Every check of the testbed file's kind (InputFileError when the file is not valid)."""
    path = Path(testbed_file)
    data = read_testbed_yaml(path)
    load_testbed_factory(path)  # validates the kind and its keys; nothing connects yet
    kind = data["kind"]
    if kind == "lab":
        from .lab.preflight import lab_preflight

        return lab_preflight(data)
    if kind == "simulated":
        return [Check("simulated", True, "a model of a DUT: nothing to install or reach")]
    if kind == "trex":
        from .testbed_file import parse_trex_testbed
        from .trex import preflight

        config = parse_trex_testbed(data, path)
        if config.vm is not None:  # the virtual DUT: TRex started on its taps for the checks
            from .trex.vm import vm_preflight

            return vm_preflight(config, campaign)
        return list(preflight(config, campaign))  # type: ignore[arg-type]
    if kind == "trex_lab":
        from .trex.lab import trex_lab_preflight

        return trex_lab_preflight(data, path)
    return [Check(f"kind {kind}", False, "this kind has no preflight checks yet")]

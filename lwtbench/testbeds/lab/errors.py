"""Errors of the lab: a kernel or its init that failed, a pktgen that only sends shared skbs."""

from __future__ import annotations

from ...errors import LwtbenchError


class LabError(LwtbenchError):
    """The lab kernel or its init failed; the message holds the end of the boot log."""


class PktgenSharedOnlyError(LabError):
    """The kernel's pktgen cannot send unshared skbs; use the vector NIC (same headroom)."""

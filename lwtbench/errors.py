"""Errors meant for people: each names the input, the value, what is allowed and what to do."""

from __future__ import annotations


class LwtbenchError(Exception):
    """Base of every error the project raises on purpose."""


class ParameterError(LwtbenchError, ValueError):
    """A parameter is out of its allowed range.

    The message names the parameter, the value given and what is allowed, e.g.
    ``trace_size=246: must be a multiple of 4 in 0..244 (the ioam6 lwt limit)``.
    """

    def __init__(self, name: str, value: object, allowed: str, hint: str = "") -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        self.hint = hint
        msg = f"{name}={value!r}: {allowed}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class InputFileError(LwtbenchError):
    """A file given by the user (campaign, testbed, data) is missing, corrupt or invalid."""

    def __init__(self, path: object, problem: str, fix: str = "") -> None:
        self.path = path
        msg = f"{path}: {problem}"
        if fix:
            msg += f"; {fix}"
        super().__init__(msg)


class PrivilegeError(LwtbenchError):
    """The operation needs a privilege (root, CAP_NET_ADMIN, tracefs) that is missing."""


class UnknownPlatformError(LwtbenchError, KeyError):
    """The model has no entry for a CPU/NIC/kernel; it refuses to guess."""

    def __str__(self) -> str:  # KeyError would print the repr with quotes
        return str(self.args[0]) if self.args else ""

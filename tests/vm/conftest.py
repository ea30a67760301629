"""The project-kernel switch of the virtual DUT needs .deb builds (most of an hour for the
first on a fresh two-core machine): its tests run in their own make target, ``make
test-vm-kernels`` (which CI runs after ``make test``), and ``make test`` leaves them out
(deselected, not skipped)."""

from __future__ import annotations

import os

import pytest

DEB_BUILD = os.environ.get("LWTBENCH_DEB_BUILD") == "1"
"""Set by ``make test-vm-kernels``: run the tests marked ``deb_build``."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "deb_build: builds the project's .deb kernels first (make test-vm-kernels only)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if DEB_BUILD:
        return
    left_out = [item for item in items if item.get_closest_marker("deb_build")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("deb_build")]

"""Shared test fixtures and the project's skip policy.

A skipped test is reported, never counted as a pass: with ``LWTBENCH_NO_SKIP=1`` (set by
``.ci/run``) any skip becomes a failure, so CI cannot go green on a machine that silently
lacks root, tshark or the lab kernels.
"""

from __future__ import annotations

import os
import shutil

import pytest

NO_SKIP = os.environ.get("LWTBENCH_NO_SKIP") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped while LWTBENCH_NO_SKIP=1 (CI must run everything): {reason}"


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces and veth")


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"needs {name} (env/setup.sh installs it)")
    return path


@pytest.fixture
def root():
    need_root()


@pytest.fixture
def tshark() -> str:
    return need_tool("tshark")

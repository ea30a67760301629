"""The project-kernel switch of the virtual DUT needs .deb builds (most of an hour for the
first on a fresh two-core machine): its tests run in their own make target, ``make
test-vm-kernels`` (which CI runs after ``make test``), and ``make test`` leaves them out
(deselected, not skipped).

Every test module here must leave the host as found: the machines it started stopped, with
their folders in ``<cache>/vm/machines`` and their tap devices gone. The tests name their
machines with this process's pid, and a fixture checks after each module that no such folder
remains.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from lwtbench.vm.base import vm_root
from lwtbench.vm.grub import FIRST_BOOT_PREFIX
from lwtbench.vm.machine import console_tail

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


def machines_of_this_process(builds: bool = True) -> list[str]:
    """Folders in ``<cache>/vm/machines`` named after this test process (its pid), and, with
    ``builds``, image first-boot machines (``build-*``) with no QEMU left."""
    root = vm_root() / "machines"
    if not root.is_dir():
        return []
    pid = str(os.getpid())
    return sorted(
        p.name
        for p in root.iterdir()
        if p.name.endswith(pid)
        or (builds and p.name.startswith(FIRST_BOOT_PREFIX) and not (p / "qemu.pid").exists())
    )


CONSOLE_TAIL_LINES = 60
"""Lines of a guest's console shown under a failed VM test (the boot or the hang is there)."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # A guest that stopped answering SSH says why only on its serial console, which lives in
    # the machine's folder and is gone once the fixture stops it: a failure report carries
    # its tail, so a CI log alone tells a slow boot from a hung one.
    outcome = yield
    report = outcome.get_result()
    if not (report.failed and item.get_closest_marker("vm")):
        return
    for name in machines_of_this_process(builds=False):
        tail = console_tail(vm_root() / "machines" / name / "console.log", CONSOLE_TAIL_LINES)
        report.sections.append((f"guest console of {name} (its last lines)", tail))


@pytest.fixture(autouse=True, scope="module")
def host_left_as_found(request: pytest.FixtureRequest):
    # only modules that boot machines can build the image; in the others a build-* folder is
    # the image build of the VM tests running beside them (env/test.sh), between its
    # QEMU's exit and the folder's removal
    boots = any(
        item.get_closest_marker("vm")
        for item in request.session.items
        if item.module is request.module
    )
    before = machines_of_this_process(builds=boots)
    yield
    after = machines_of_this_process(builds=boots)
    assert after == before, "a VM test left its machine folder behind"


def fake_linux_image(folder: Path, package: str, postinst: str | None = None) -> Path:
    """A real (empty) Debian package named ``package``, built with dpkg-deb; ``postinst``: a
    shell script run by ``dpkg -i``."""
    root = folder / package
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 6.12.117-3\nArchitecture: amd64\n"
        "Maintainer: t <t@t>\nDescription: a test package\n"
    )
    if postinst is not None:
        (root / "DEBIAN" / "postinst").write_text(postinst)
        (root / "DEBIAN" / "postinst").chmod(0o755)
    deb = folder / f"{package}.deb"
    subprocess.run(["dpkg-deb", "--build", str(root), str(deb)], check=True, capture_output=True)
    return deb

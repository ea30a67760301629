"""x86_64 builds for a real DUT: Debian packages, and the quick compile check of the variants.

``build_deb`` runs ``make bindeb-pkg`` on the variant's tree (without the lab-only
instrumentation) with the project's DUT config (the source's ``x86_64_defconfig`` +
env/kernel/dut.config; or a full config the user names) plus env/kernel/deb.config and a
LOCALVERSION naming the variant. That takes an hour on two cores, so the tests only generate
the config and compile the objects the series touches (``compile_touched_objects``), in one
prepared tree per Debian source shared by the variants built from it.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError
from .build import (
    X86_MAKE_ARGS,
    BuildError,
    Progress,
    _ensure_config,
    _locked,
    _run_make,
    _say,
    cache_root,
)
from .source import apply_patch, ensure_source
from .variants import (
    ENV_KERNEL_DIR,
    TOUCHED_FILES,
    TOUCHED_OBJECTS,
    KernelVariant,
    get_variant,
    shipped_variant,
)

DEB_FRAGMENT = ENV_KERNEL_DIR / "deb.config"
"""Applied last on every DUT base: the three tunnels and pktgen on, no signing keys, no debug
info."""

DUT_FRAGMENT = ENV_KERNEL_DIR / "dut.config"
"""The project's DUT config on top of x86_64_defconfig: NICs, VM disks, ftrace/kprobes, veth."""

RUNNING = "running"
"""``--base-config running``: start from the build host's /boot/config-$(uname -r)."""


@dataclass(frozen=True)
class DebBuild:
    """Debian packages built for one variant."""

    variant: str
    """Variant name."""
    release: str
    """``uname -r`` the installed kernel will report."""
    base_config: Path | None
    """The config the build started from; None for the project's DUT config."""
    packages: tuple[Path, ...]
    """The .deb files (linux-image, linux-headers, linux-libc-dev)."""
    build_s: float
    """Wall time of make bindeb-pkg."""


@dataclass(frozen=True)
class ObjectCheck:
    """The x86_64 compile check of one variant's touched objects."""

    variant: str
    """Variant name."""
    objects: tuple[str, ...]
    """Objects compiled (net/ipv6/*_iptunnel.o)."""
    compile_s: float
    """Wall time of the make call that compiled them (the shared tree prepared before)."""
    warnings: tuple[str, ...]
    """Compiler warnings in the touched files (a correct variant has none)."""


def running_config() -> Path:
    """The build host's own config, ``/boot/config-$(uname -r)`` (used only when asked)."""
    return Path("/boot") / f"config-{platform.release()}"


def resolve_base_config(value: str | None) -> Path | None:
    """The base config ``--base-config`` names: None for the project's DUT config (the
    default), ``running`` for the build host's /boot config, else that file (checked)."""
    if value is None:
        return None
    path = running_config() if value == RUNNING else Path(value)
    if not path.is_file():
        raise InputFileError(
            path,
            "no such kernel config file",
            "leave --base-config out for the project's DUT config (x86_64_defconfig + "
            "env/kernel/dut.config), or name a config file such as Debian's "
            "/usr/src/linux-config-<version>/config.amd64_none_amd64.xz",
        )
    return path


def deb_fragments(variant: KernelVariant, base: Path | None) -> list[str]:
    """The fragments a DUT kernel adds to its base: dut.config when the base is the source's
    x86_64_defconfig (``base`` None), then deb.config, then the LOCALVERSION."""
    own = [DUT_FRAGMENT.read_text(encoding="utf-8")] if base is None else []
    return [
        *own,
        DEB_FRAGMENT.read_text(encoding="utf-8"),
        f'CONFIG_LOCALVERSION="{variant.localversion}"\n# CONFIG_LOCALVERSION_AUTO is not set\n',
    ]


def write_deb_config(
    variant: KernelVariant, src: Path, objdir: Path, base: Path | None, log_path: Path
) -> Path:
    """``objdir/.config`` for a DUT kernel, checked against every fragment: ``base`` (None:
    ``make x86_64_defconfig`` + dut.config) + deb.config + LOCALVERSION."""
    _ensure_config(src, objdir, X86_MAKE_ARGS, base, deb_fragments(variant, base), log_path)
    return objdir / ".config"


def build_deb(
    variant_name: str,
    *,
    base_config: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> DebBuild:
    """Build linux-image/linux-headers .deb packages of a variant for an x86_64 DUT."""
    variant = get_variant(variant_name)
    base = resolve_base_config(base_config)
    root = cache_root()
    with _locked(variant.name):
        tree = ensure_source(variant, root / "build" / variant.name / "src-dut", lab=False)
        objdir = root / "build" / variant.name / "deb-x86_64"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        log_path = root / "logs" / f"deb-{variant.name}-{stamp}.log"
        start_from = base or f"x86_64_defconfig + {DUT_FRAGMENT.name}"
        _say(progress, f"{variant.name}: config {start_from} + {DEB_FRAGMENT.name} ({log_path})")
        write_deb_config(variant, tree.path, objdir, base, log_path)
        start = time.time()
        _run_make(
            tree.path,
            objdir,
            X86_MAKE_ARGS,
            ["bindeb-pkg"],
            log_path,
            jobs=jobs or os.cpu_count() or 1,  # --jobs' documented default: all CPUs
            progress=progress,
        )
        build_s = time.time() - start
        # bindeb-pkg writes the packages next to the build directory
        packages = tuple(
            sorted(p for p in objdir.parent.glob("*.deb") if p.stat().st_mtime >= start - 1)
        )
        if not packages:
            raise BuildError(f"bindeb-pkg made no .deb in {objdir.parent}; see {log_path}")
    release = (objdir / "include" / "config" / "kernel.release").read_text().strip()
    return DebBuild(variant.name, release, base, packages, build_s)


def variant_touched_files(variant: KernelVariant, pristine: Path) -> dict[str, bytes]:
    """The variant's version of the files the series touches, from a pristine Debian tree.

    The patches touch only these files, so they are patched in a small scratch copy.
    """
    with tempfile.TemporaryDirectory(prefix="lwtb-touched-") as tmp:
        scratch = Path(tmp)
        for rel in TOUCHED_FILES:
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(pristine / rel, scratch / rel)
        for path in variant.revert:
            apply_patch(scratch, path, reverse=True)
        for path in variant.apply:
            apply_patch(scratch, path)
        return {rel: (scratch / rel).read_bytes() for rel in TOUCHED_FILES}


def compile_touched_objects(
    variant_name: str, *, jobs: int = 2, progress: Progress | None = None
) -> ObjectCheck:
    """Compile the variant's ``net/ipv6/*_iptunnel.o`` for x86_64 (defconfig + deb.config).

    One pristine tree and build directory per Debian source is prepared once (kept in the
    cache); the variant's touched files are swapped in for the compile and restored after.
    """
    variant = get_variant(variant_name)
    package = variant.source.package
    root = cache_root()
    base_dir = root / "build" / f"x86-check-{package}"
    shipped = shipped_variant(variant.source)
    with _locked(f"x86-check-{package}"):
        tree = ensure_source(shipped, base_dir / "src", lab=False)
        objdir = base_dir / "obj"
        log_path = root / "logs" / f"x86-check-{package}.log"
        fragments = [
            DEB_FRAGMENT.read_text(encoding="utf-8"),
            'CONFIG_LOCALVERSION="-lwtb-check"\n',
        ]
        _say(progress, f"{variant.name}: x86_64 check tree {objdir} (log {log_path})")
        _ensure_config(tree.path, objdir, X86_MAKE_ARGS, None, fragments, log_path)
        # build the generated headers once, outside the timed compile
        _run_make(tree.path, objdir, X86_MAKE_ARGS, ["prepare"], log_path, jobs=jobs)
        wanted = variant_touched_files(variant, tree.path)
        original = {rel: (tree.path / rel).read_bytes() for rel in TOUCHED_FILES}
        try:
            for rel, data in wanted.items():
                if data != original[rel]:
                    (tree.path / rel).write_bytes(data)
            for obj in TOUCHED_OBJECTS:  # compile anew even if make thinks they are current
                (objdir / obj).unlink(missing_ok=True)
            mark = log_path.stat().st_size
            start = time.monotonic()
            _run_make(tree.path, objdir, X86_MAKE_ARGS, list(TOUCHED_OBJECTS), log_path, jobs=jobs)
            compile_s = time.monotonic() - start
            with log_path.open(encoding="utf-8", errors="replace") as fh:
                fh.seek(mark)
                text = fh.read()
        finally:
            for rel, data in original.items():
                if (tree.path / rel).read_bytes() != data:
                    (tree.path / rel).write_bytes(data)
        missing = [o for o in TOUCHED_OBJECTS if not (objdir / o).is_file()]
        if missing:
            raise BuildError(f"{variant.name}: {missing} not built; see {log_path}")
    touched = "|".join(re.escape(Path(o).stem) for o in TOUCHED_OBJECTS) + "|dst\\.h"
    warnings = tuple(
        line for line in text.splitlines() if "warning:" in line and re.search(touched, line)
    )
    return ObjectCheck(variant.name, TOUCHED_OBJECTS, round(compile_s, 1), warnings)

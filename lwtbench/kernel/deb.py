"""x86_64 builds for a real DUT: Debian packages, and the quick compile check of the variants.

``build_deb`` runs ``make bindeb-pkg`` on the variant's tree (without the lab-only
instrumentation) with the DUT's running config plus env/kernel/deb.config and a LOCALVERSION
naming the variant. That takes an hour on two cores, so the tests only generate the config and
compile the objects the series touches (``compile_touched_objects``), in one prepared tree per
Debian source shared by the variants built from it.
"""

from __future__ import annotations

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
)

DEB_FRAGMENT = ENV_KERNEL_DIR / "deb.config"


@dataclass(frozen=True)
class DebBuild:
    """Debian packages built for one variant."""

    variant: str
    """Variant name."""
    release: str
    """``uname -r`` the installed kernel will report."""
    base_config: Path
    """The config the build started from (the DUT's running config)."""
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


def default_base_config(variant: KernelVariant) -> Path:
    """/boot/config-$(uname -r) if present, else Debian's amd64 config for the source."""
    running = Path("/boot") / f"config-{platform.release()}"
    if running.is_file():
        return running
    major_minor = ".".join(variant.source.kernel_version.split(".")[:2])
    debian = Path(f"/usr/src/linux-config-{major_minor}/config.amd64_none_amd64.xz")
    if debian.is_file():
        return debian
    raise InputFileError(
        running,
        "no running config to start from, and no Debian config in " + str(debian.parent),
        "pass --base-config FILE (the DUT's /boot/config-$(uname -r))",
    )


def deb_fragments(variant: KernelVariant) -> list[str]:
    """The fragments a DUT kernel adds to its base config: deb.config, then LOCALVERSION."""
    return [
        DEB_FRAGMENT.read_text(encoding="utf-8"),
        f'CONFIG_LOCALVERSION="{variant.localversion}"\n# CONFIG_LOCALVERSION_AUTO is not set\n',
    ]


def write_deb_config(
    variant: KernelVariant, src: Path, objdir: Path, base: Path, log_path: Path
) -> Path:
    """``objdir/.config`` for a DUT kernel: ``base`` + deb.config + LOCALVERSION, checked."""
    _ensure_config(src, objdir, X86_MAKE_ARGS, base, deb_fragments(variant), log_path)
    return objdir / ".config"


def build_deb(
    variant_name: str,
    *,
    base_config: Path | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> DebBuild:
    """Build linux-image/linux-headers .deb packages of a variant for an x86_64 DUT."""
    variant = get_variant(variant_name)
    base = base_config or default_base_config(variant)
    root = cache_root()
    with _locked(variant.name):
        tree = ensure_source(variant, root / "build" / variant.name / "src-dut", lab=False)
        objdir = root / "build" / variant.name / "deb-x86_64"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        log_path = root / "logs" / f"deb-{variant.name}-{stamp}.log"
        _say(progress, f"{variant.name}: config from {base} + {DEB_FRAGMENT.name} ({log_path})")
        write_deb_config(variant, tree.path, objdir, base, log_path)
        start = time.time()
        _run_make(
            tree.path,
            objdir,
            X86_MAKE_ARGS,
            ["bindeb-pkg"],
            log_path,
            jobs=jobs or 1,
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
    shipped = get_variant("debian-6.12" if package == "linux-source-6.12" else "debian-6.1")
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

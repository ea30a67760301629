"""x86_64 builds for a real DUT: Debian packages, and the quick compile check of the variants.

``build_deb`` runs ``make bindeb-pkg`` on the variant's tree (without the lab-only
instrumentation) with the project's DUT config (the source's ``x86_64_defconfig`` +
env/kernel/dut.config; or a full config the user names) plus env/kernel/deb.config and a
LOCALVERSION naming the variant, and stores the packages in ``<cache>/kernels/<key>/`` with a
manifest (their SHA-256, the build time and the machine's load). ``ensure_deb`` returns them
from there when every input is unchanged (sources, patches, fragments, base config, compiler).
A first build takes most of an hour on two shared cores (README), so the kernel tests only
generate the config and compile the objects the series touches (``compile_touched_objects``),
in one prepared tree per Debian source shared by the variants built from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError
from .build import (
    MANIFEST_NAME,
    X86_MAKE_ARGS,
    BuildError,
    Progress,
    _ensure_config,
    _locked,
    _run_make,
    _say,
    cache_root,
    compiler_version,
    file_sha256,
    requested_options,
)
from .source import apply_patch, ensure_source, expected_stamp
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
    manifest: dict[str, object] = field(default_factory=dict)
    """The cache entry's manifest.json (inputs, package hashes, load average)."""

    @property
    def image(self) -> Path:
        """The linux-image package: what a DUT needs installed to boot the kernel."""
        return next(p for p in self.packages if p.name.startswith("linux-image-"))


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


def deb_key(variant: KernelVariant, base: Path | None) -> tuple[str, dict[str, object]]:
    """The cache key of a variant's packages and the inputs it hashes."""
    stamp = expected_stamp(variant, lab=False)
    inputs = {
        "target": "deb",
        "variant": variant.name,
        "package": variant.source.package,
        "package_version": stamp["package_version"],
        "kernel_version": variant.source.kernel_version,
        "patches": stamp["patches"],
        "base_config": file_sha256(base) if base else None,
        # the options the fragments set, not their text: a comment edited in dut.config does
        # not throw away an hour's build
        "fragments": [requested_options(text) for text in deb_fragments(variant, base)],
        "compiler": compiler_version(),
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return f"{variant.source.kernel_version}-{variant.name}-deb-{digest[:16]}", inputs


def _load_deb(directory: Path) -> DebBuild | None:
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    packages = tuple(directory / name for name in manifest.get("packages", {}))
    if manifest.get("target") != "deb" or not packages or not all(p.is_file() for p in packages):
        return None
    base = manifest.get("base_config_path")
    return DebBuild(
        variant=str(manifest["variant"]),
        release=str(manifest["release"]),
        base_config=Path(str(base)) if base else None,
        packages=packages,
        build_s=float(manifest["build_s"]),  # type: ignore[arg-type]
        manifest=manifest,
    )


def cached_deb(variant_name: str, *, base_config: str | None = None) -> DebBuild | None:
    """The variant's packages for the current inputs, if they were built."""
    variant = get_variant(variant_name)
    key, _ = deb_key(variant, resolve_base_config(base_config))
    return _load_deb(cache_root() / "kernels" / key)


def ensure_deb(
    variant_name: str,
    *,
    base_config: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> DebBuild:
    """The variant's .deb packages from the cache, built first when the cache lacks them."""
    if not force and (found := cached_deb(variant_name, base_config=base_config)) is not None:
        _say(progress, f"{variant_name}: cached packages in {found.image.parent}")
        return found
    return build_deb(variant_name, base_config=base_config, jobs=jobs, progress=progress)


def build_deb(
    variant_name: str,
    *,
    base_config: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> DebBuild:
    """Build linux-image/linux-headers .deb packages of a variant for an x86_64 DUT, and store
    them in the cache (``ensure_deb`` is the call that reuses them)."""
    variant = get_variant(variant_name)
    base = resolve_base_config(base_config)
    root = cache_root()
    key, inputs = deb_key(variant, base)
    jobs = jobs or os.cpu_count() or 1  # --jobs' documented default: all CPUs
    with _locked(variant.name):
        tree = ensure_source(variant, root / "build" / variant.name / "src-dut", lab=False)
        objdir = root / "build" / variant.name / "deb-x86_64"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        log_path = root / "logs" / f"deb-{variant.name}-{stamp}.log"
        start_from = base or f"x86_64_defconfig + {DUT_FRAGMENT.name}"
        _say(progress, f"{variant.name}: config {start_from} + {DEB_FRAGMENT.name} ({log_path})")
        write_deb_config(variant, tree.path, objdir, base, log_path)
        # a build directory with a linked kernel: make recompiles only what changed
        incremental = (objdir / "vmlinux").is_file()
        start = time.time()
        load_before = os.getloadavg()
        _run_make(
            tree.path,
            objdir,
            X86_MAKE_ARGS,
            ["bindeb-pkg"],
            log_path,
            jobs=jobs,
            progress=progress,
        )
        build_s = time.time() - start
        # bindeb-pkg writes the packages next to the build directory
        made = sorted(p for p in objdir.parent.glob("*.deb") if p.stat().st_mtime >= start - 1)
        if not made:
            raise BuildError(f"bindeb-pkg made no .deb in {objdir.parent}; see {log_path}")
        release = (objdir / "include" / "config" / "kernel.release").read_text().strip()
        entry = root / "kernels" / key
        shutil.rmtree(entry, ignore_errors=True)
        entry.mkdir(parents=True)
        for deb in made:
            shutil.copy2(deb, entry / deb.name)
        manifest = {
            **inputs,
            "release": release,
            "base_config_path": str(base) if base else None,
            "config_sha256": file_sha256(objdir / ".config"),
            "packages": {deb.name: file_sha256(entry / deb.name) for deb in made},
            "build_s": round(build_s, 1),
            "incremental": incremental,
            "jobs": jobs,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "log": str(log_path),
        }
        shutil.copy2(objdir / ".config", entry / "config")
        (entry / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    found = _load_deb(entry)
    assert found is not None
    return found


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

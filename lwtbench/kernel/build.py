"""Build the variants: User-Mode Linux kernels for the lab, Debian packages for a DUT.

Everything lives in a cache outside the clone (``/var/cache/lwtbench``, or ``$LWTBENCH_CACHE``):

- ``build/<variant>/src``: the variant's prepared source tree (kept while its patches match);
- ``build/<variant>/uml-<flavour>``: the ``O=`` build directory of one UML flavour;
- ``ccache/``: the compiler cache shared by all builds;
- ``kernels/<key>/``: a finished UML kernel (``linux``, the ``.gcno`` files of that very build,
  its ``config`` and ``manifest.json``), keyed by the source version, the hashes of every patch
  and config fragment, the flavour and the compiler, so a change in any of them builds anew and
  nothing else does.

Source and build directory sit side by side (``../src`` from every build directory) and
ccache rewrites paths under the cache relative to the build directory, so the preprocessed
output of an unchanged file is the same for every variant and a second variant is mostly
ccache hits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import lzma
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputFileError, LwtbenchError
from .source import SourceTree, ensure_source
from .variants import (
    ENV_KERNEL_DIR,
    FLAVOURS,
    KernelVariant,
    SourcePackage,
    check_flavour,
    file_sha256,
    get_variant,
)

log = logging.getLogger(__name__)

CACHE_ENV = "LWTBENCH_CACHE"
"""Environment variable that moves the cache (default /var/cache/lwtbench)."""

DEFAULT_CACHE = Path("/var/cache/lwtbench")

UML_MAKE_ARGS: tuple[str, ...] = ("ARCH=um", "SUBARCH=x86_64")
"""User-Mode Linux for an x86_64 host."""

X86_MAKE_ARGS: tuple[str, ...] = ("ARCH=x86_64",)

MANIFEST_NAME = "manifest.json"

__all__ = ["FLAVOURS", "UmlKernel", "cache_root", "cached_uml_kernel", "ensure_uml_kernel"]

Progress = Callable[[str], None]
"""Receives one line of build progress (a phase, or make's output every few hundred lines)."""


class BuildError(LwtbenchError):
    """A kernel build step failed; the message names the step and the log to read."""


def cache_root() -> Path:
    """The cache folder: ``$LWTBENCH_CACHE`` or /var/cache/lwtbench."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


def uml_fragments(flavour: str, source: SourcePackage | None = None) -> tuple[Path, ...]:
    """Config fragments of a UML build, applied in order on top of ``make defconfig``.

    A source whose Kconfig differs from the 6.x trees adds its own last fragment,
    ``env/kernel/<package>/uml-source.config`` (e.g. 7.2 has no CONFIG_UML_NET any more).
    """
    check_flavour(flavour)
    common = (ENV_KERNEL_DIR / "uml.config", ENV_KERNEL_DIR / f"uml-{flavour}.config")
    own = ENV_KERNEL_DIR / source.package / "uml-source.config" if source else None
    return (*common, own) if own is not None and own.is_file() else common


def localversion(variant: KernelVariant, flavour: str) -> str:
    """The suffix that names the variant (and the timing flavour) in ``uname -r``."""
    return variant.localversion + ("" if flavour == "counting" else f"-{flavour}")


# The last fragment of every UML build: no LOCALVERSION in the config at all. The suffix goes
# to make as LOCALVERSION= (localversion_make_arg), which gives the same release but leaves
# include/generated/autoconf.h, a part of every compile, the same for every variant: with the
# suffix in it each variant's objects differed to ccache's direct mode, and a second variant of
# the same source rebuilt through the preprocessor (debian-6.12 after vanilla: 782 s on 2 cores;
# without the suffix in the config, fixed and as-merged after it: 45 s each).
# The objects are the same either way, so the cache key is too.
UML_LOCALVERSION_FRAGMENT = 'CONFIG_LOCALVERSION=""\n# CONFIG_LOCALVERSION_AUTO is not set\n'


def localversion_make_arg(variant: KernelVariant, flavour: str) -> str:
    """make's ``LOCALVERSION=`` for a UML build (set, so kbuild appends no ``+`` either)."""
    return f"LOCALVERSION={localversion(variant, flavour)}"


def compiler_version() -> str:
    """First line of ``gcc --version`` (part of the cache key: objects depend on it)."""
    out = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


def uml_key(variant: KernelVariant, flavour: str, package_version: str) -> tuple[str, dict]:
    """The cache key of a UML kernel and the inputs it hashes."""
    from .source import expected_stamp

    stamp = expected_stamp(variant, lab=True)
    inputs = {
        "target": "uml",
        "variant": variant.name,
        "flavour": flavour,
        "package": variant.source.package,
        "package_version": package_version,
        "kernel_version": variant.source.kernel_version,
        "patches": stamp["patches"],
        "fragments": {p.name: file_sha256(p) for p in uml_fragments(flavour, variant.source)},
        "localversion": localversion(variant, flavour),
        "compiler": compiler_version(),
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    key = f"{variant.source.kernel_version}-{variant.name}-{flavour}-{digest[:16]}"
    return key, inputs


@dataclass(frozen=True)
class UmlKernel:
    """A finished User-Mode Linux kernel in the cache."""

    variant: str
    """Variant name (vanilla, debian-6.12, fixed, debian-6.1)."""
    flavour: str
    """``counting`` (GCOV at the reallocation call sites) or ``timing`` (no GCOV)."""
    release: str
    """``uname -r`` the kernel reports, e.g. ``6.12.117-lwtb-vanilla``."""
    directory: Path
    """The cache entry ``kernels/<key>/``."""
    linux: Path
    """The UML executable."""
    gcno_dir: Path | None
    """Root of the ``.gcno`` files of this build (same layout as the build directory:
    ``net/ipv6/seg6_iptunnel.gcno`` ...), None for the timing flavour."""
    gcov_debugfs_dir: str | None
    """Where the running kernel exposes the matching ``.gcda`` files:
    ``/sys/kernel/debug/gcov`` + the build directory (gcov mirrors the objtree path)."""
    manifest: dict
    """The manifest: source package and version, patch hashes, config hash, flavour, key,
    ``build_dir`` (the O= path, mirrored under /sys/kernel/debug/gcov), ``built_at`` and
    ``build_s`` (wall time of the make run that produced this binary: an incremental run
    counts only what it recompiled)."""


def _load_kernel(directory: Path) -> UmlKernel | None:
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    linux = directory / "linux"
    if not linux.is_file():
        return None
    gcno = directory / "gcno"
    return UmlKernel(
        variant=manifest["variant"],
        flavour=manifest["flavour"],
        release=manifest["release"],
        directory=directory,
        linux=linux,
        gcno_dir=gcno if gcno.is_dir() else None,
        gcov_debugfs_dir=manifest.get("gcov_debugfs_dir"),
        manifest=manifest,
    )


def list_kernels(root: Path | None = None) -> list[UmlKernel]:
    """Every finished UML kernel in the cache, sorted by variant and flavour."""
    kernels_dir = (root or cache_root()) / "kernels"
    found = [k for d in sorted(kernels_dir.glob("*")) if (k := _load_kernel(d)) is not None]
    return sorted(found, key=lambda k: (k.variant, k.flavour, k.manifest.get("built_at", "")))


def cached_uml_kernel(variant_name: str, flavour: str = "counting") -> UmlKernel | None:
    """The cached kernel for the current sources, patches and fragments, or None."""
    from .source import debian_package_version

    variant = get_variant(variant_name)
    check_flavour(flavour)
    key, _ = uml_key(variant, flavour, debian_package_version(variant.source.package))
    return _load_kernel(cache_root() / "kernels" / key)


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Serialise builds that share a source tree (other processes may build the same)."""
    lock_dir = cache_root() / "locks"
    try:
        lock_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(
            lock_dir.parent,
            f"cannot create the kernel cache: {exc.strerror}",
            f"run as root or point {CACHE_ENV} at a writable folder outside the clone",
        ) from exc
    with (lock_dir / f"{name}.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ccache_env() -> dict[str, str]:
    """Environment for make: ccache in the cache, paths under the cache made relative."""
    root = cache_root()
    env = dict(os.environ)
    env.update(
        CCACHE_DIR=str(root / "ccache"),
        # Paths under the cache become relative to the build directory (../src/...), the
        # same for every variant, so unchanged files hit the cache across variants.
        CCACHE_BASEDIR=str(root),
        # Debug info is off in our fragments; do not key objects on the build directory.
        CCACHE_NOHASHDIR="1",
        # A freshly unpacked tree has new ctimes; without this ccache skips its fast direct
        # mode for every file including one (it guards against files edited mid-compile).
        CCACHE_SLOPPINESS="include_file_ctime,include_file_mtime",
    )
    return env


def _run_make(
    src: Path,
    objdir: Path,
    arch_args: tuple[str, ...],
    targets: list[str],
    log_path: Path,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    extra: tuple[str, ...] = (),
) -> None:
    """Run make in ``src`` with ``O=objdir``, appending its output to ``log_path``."""
    args = [
        "make",
        "-C",
        str(src),
        f"O={objdir}",
        *arch_args,
        "CC=ccache gcc",
        f"-j{jobs}",
        *extra,
        *targets,
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log_fh:
        log_fh.write(f"$ {' '.join(args)}\n")
        log_fh.flush()
        proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=ccache_env(),
            errors="replace",
        )
        assert proc.stdout is not None
        for n, line in enumerate(proc.stdout, 1):
            log_fh.write(line)
            if progress is not None and n % 200 == 0:
                progress(f"make {' '.join(targets)}: {n} lines, last: {line.strip()}")
        rc = proc.wait()
    if rc != 0:
        raise BuildError(
            f"make {' '.join(targets)} failed (exit {rc}) in {objdir}; see the log {log_path}"
        )


def requested_options(fragment_text: str) -> dict[str, str | None]:
    """Options a fragment sets: ``{"CONFIG_X": "y"}``, None for ``# CONFIG_X is not set``."""
    wanted: dict[str, str | None] = {}
    for line in fragment_text.splitlines():
        line = line.strip()
        if m := re.fullmatch(r"(CONFIG_\w+)=(.*)", line):
            wanted[m.group(1)] = m.group(2)
        elif m := re.fullmatch(r"# (CONFIG_\w+) is not set", line):
            wanted[m.group(1)] = None
    return wanted


def check_config(config: Path, wanted: dict[str, str | None]) -> None:
    """Every option in ``wanted`` has that value in the final ``config`` (kconfig may refuse
    an option whose dependencies are missing; this says which, instead of a silent miss)."""
    final: dict[str, str | None] = requested_options(config.read_text(encoding="utf-8"))
    wrong = [
        f"{name}: wanted {value if value is not None else 'not set'}, "
        f"got {final.get(name) if final.get(name) is not None else 'not set'}"
        for name, value in wanted.items()
        if final.get(name) != value
        # a string option kconfig does not offer (e.g. the signing keys of a config without
        # module signing) is absent, which is what setting it to a safe value is for
        and not (value is not None and value.startswith('"') and name not in final)
    ]
    if wrong:
        raise InputFileError(
            config,
            "the fragment's options did not all survive olddefconfig: " + "; ".join(wrong),
            "check their dependencies in Kconfig and add what they need to the fragment",
        )


def write_config(
    src: Path,
    objdir: Path,
    arch_args: tuple[str, ...],
    base: Path | None,
    fragments: list[str],
    log_path: Path,
) -> Path:
    """Make ``objdir/.config``: ``base`` (or ``make defconfig``) + fragments, olddefconfig.

    The fragments are appended in order (kconfig keeps the last assignment of an option), then
    ``olddefconfig`` resolves dependencies and the result is checked against every fragment.
    Returns the path of the final config.
    """
    objdir.mkdir(parents=True, exist_ok=True)
    config = objdir / ".config"
    if base is None:
        _run_make(src, objdir, arch_args, ["defconfig"], log_path)
    else:
        config.write_bytes(read_config_file(base))
    with config.open("a", encoding="utf-8") as fh:
        for text in fragments:
            fh.write("\n" + text)
    _run_make(src, objdir, arch_args, ["olddefconfig"], log_path)
    wanted: dict[str, str | None] = {}
    for text in fragments:
        wanted.update(requested_options(text))
    check_config(config, wanted)
    return config


def read_config_file(path: Path) -> bytes:
    """A kernel config file's bytes; ``.xz`` files (Debian's linux-config-*) are unpacked."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read the base config: {exc}") from exc
    return lzma.decompress(data) if path.suffix == ".xz" else data


def _ensure_config(
    src: Path,
    objdir: Path,
    arch_args: tuple[str, ...],
    base: Path | None,
    fragments: list[str],
    log_path: Path,
) -> str:
    """Write the config only when its inputs changed (keeps make's view of it unchanged).

    Returns the sha256 of the final config.
    """
    inputs = hashlib.sha256(
        json.dumps([arch_args, str(base), file_sha256(base) if base else None, fragments]).encode()
    ).hexdigest()
    stamp = objdir / ".lwtbench-config-inputs"
    config = objdir / ".config"
    if not (config.is_file() and stamp.is_file() and stamp.read_text().strip() == inputs):
        write_config(src, objdir, arch_args, base, fragments, log_path)
        stamp.write_text(inputs + "\n")
    return file_sha256(config)


def _say(progress: Progress | None, message: str) -> None:
    log.info(message)
    if progress is not None:
        progress(message)


def ensure_uml_kernel(
    variant_name: str,
    flavour: str = "counting",
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> UmlKernel:
    """The UML kernel of ``variant_name`` and ``flavour``, built first if the cache lacks it.

    Building prepares the source tree (unpack, revert/apply the variant's patches, then the
    lab-only instrumentation patches), configures the flavour's build directory (UML
    defconfig + env/kernel fragments + LOCALVERSION), runs make with ccache, and stores the
    ``linux`` binary with the ``.gcno`` files of the same build. ``progress`` receives lines
    as the build goes; the full make output goes to ``<cache>/logs/``.
    """
    from .source import debian_package_version

    variant = get_variant(variant_name)
    check_flavour(flavour)
    jobs = jobs or os.cpu_count() or 1
    root = cache_root()
    key, _ = uml_key(variant, flavour, debian_package_version(variant.source.package))
    entry = root / "kernels" / key
    if not force and (kernel := _load_kernel(entry)) is not None:
        _say(progress, f"{variant.name}/{flavour}: cached at {entry}")
        return kernel
    with _locked(variant.name):
        if not force and (kernel := _load_kernel(entry)) is not None:
            _say(progress, f"{variant.name}/{flavour}: built meanwhile, cached at {entry}")
            return kernel  # another process built it while this one waited for the lock
        tree_dir = root / "build" / variant.name / "src"
        _say(progress, f"{variant.name}: preparing the source tree {tree_dir}")
        tree = ensure_source(variant, tree_dir, lab=True)
        key, inputs = uml_key(variant, flavour, tree.package_version)
        return _build_uml(variant, flavour, tree, key, inputs, jobs, progress)


def _build_uml(
    variant: KernelVariant,
    flavour: str,
    tree: SourceTree,
    key: str,
    inputs: dict,
    jobs: int,
    progress: Progress | None,
) -> UmlKernel:
    root = cache_root()
    objdir = root / "build" / variant.name / f"uml-{flavour}"
    stamp_time = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = root / "logs" / f"uml-{variant.name}-{flavour}-{stamp_time}.log"
    fragments = [p.read_text(encoding="utf-8") for p in uml_fragments(flavour, variant.source)]
    fragments.append(UML_LOCALVERSION_FRAGMENT)
    _say(progress, f"{variant.name}/{flavour}: configuring {objdir} (log {log_path})")
    config_sha = _ensure_config(tree.path, objdir, UML_MAKE_ARGS, None, fragments, log_path)
    _say(progress, f"{variant.name}/{flavour}: make -j{jobs} linux (ccache; log {log_path})")
    start = time.monotonic()
    _run_make(
        tree.path,
        objdir,
        UML_MAKE_ARGS,
        ["linux"],
        log_path,
        jobs=jobs,
        progress=progress,
        extra=(localversion_make_arg(variant, flavour),),
    )
    build_s = time.monotonic() - start
    release = (objdir / "include" / "config" / "kernel.release").read_text().strip()
    expected = variant.source.kernel_version + localversion(variant, flavour)
    if release != expected:
        raise BuildError(f"built kernel reports release {release!r}, expected {expected!r}")

    entry = root / "kernels" / key
    staging = entry.with_name(entry.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copy2(objdir / "linux", staging / "linux")
    shutil.copy2(objdir / ".config", staging / "config")
    gcno_files = sorted(objdir.rglob("*.gcno"))
    for gcno in gcno_files:
        rel = gcno.relative_to(objdir)
        (staging / "gcno" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(gcno, staging / "gcno" / rel)
        # gcov -j wants the source next to the notes for its line table; keep it with them.
        source = tree.path / rel.with_suffix(".c")
        if source.is_file():
            shutil.copy2(source, staging / "gcno" / rel.with_suffix(".c"))
    if flavour == "counting" and not gcno_files:
        raise BuildError(f"counting build in {objdir} produced no .gcno files")
    manifest = {
        "key": key,
        "variant": variant.name,
        "flavour": flavour,
        "target": "uml",
        "release": release,
        "package": tree.package,
        "package_version": tree.package_version,
        "kernel_version": tree.kernel_version,
        "patches": tree.patches,
        "config_sha256": config_sha,
        "inputs": inputs,
        "build_dir": str(objdir),
        "gcov_debugfs_dir": f"/sys/kernel/debug/gcov{objdir}" if gcno_files else None,
        "gcno_files": [str(g.relative_to(objdir)) for g in gcno_files],
        "linux_sha256": file_sha256(staging / "linux"),
        "build_s": round(build_s, 1),
        "jobs": jobs,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "log": str(log_path),
    }
    (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(entry, ignore_errors=True)
    staging.rename(entry)
    _say(progress, f"{variant.name}/{flavour}: built {release} in {build_s:.0f} s -> {entry}")
    kernel = _load_kernel(entry)
    assert kernel is not None
    return kernel

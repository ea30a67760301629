"""TRex as a managed dependency: build the server from a trex-core source, or use an install.

Builds live in the cache outside the clone (``/var/cache/lwtbench/trex/<key>/``, or under
``$LWTBENCH_CACHE``), keyed by the source version and the CPU: TRex compiles with
``-march=native`` (linux_dpdk/ws_main.py), so a binary belongs to the CPU model and flags it
was built on. Each build directory holds the exported source (``src/``, waf builds in-tree),
the build log, and ``trex.json`` with the facts of the build; ``src/scripts`` is the install
(the layout of a release tarball: ``t-rex-64``, ``_t-rex-64``, ``so/``, ``automation/``).

The build is TRex's own waf wrapper, ``linux_dpdk/b``, with the Mellanox and Broadcom drivers
left out and only the ``_t-rex-64`` target. gcc 12 stops TRex v3.08 on two warnings the
project treats as errors (``dangling-pointer`` in trex_rpc_cmd_api.h, ``maybe-uninitialized``
in jsoncpp.cpp and astf_db.cpp); they are downgraded to warnings. Debug information is left
out (``-g0``): gcc generates the same code with or without ``-g``, and the build spends a
quarter less time. A build *profile* says which DPDK NIC drivers are compiled: ``full`` (every
one TRex builds on x86_64) or ``veth`` (af_packet, for veth interfaces, plus the few drivers
TRex's own code calls into), which is what the software lab and CI need.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ...errors import InputFileError, LwtbenchError
from ...kernel.build import CACHE_ENV, cache_root

SOURCE_ENV = "LWTBENCH_TREX_SOURCE"
"""A trex-core source (work tree or git directory) CI builds from when no build is cached."""

INSTALL_ENV = "LWTBENCH_TREX"
"""A TRex install to use, overriding ``lwtbench trex use`` and the cached builds."""

CONFIGURE_OPTIONS: tuple[str, ...] = ("--no-mlx=all", "--no-bnxt")
"""waf configure: no Mellanox (needs rdma-core) and no Broadcom driver."""

BUILD_TARGET = "_t-rex-64"
"""The stateless/ASTF server binary; the rest of the tree (simulators, tests) is not built."""

DOWNGRADED_WARNINGS: tuple[str, ...] = (
    "-Wno-error=dangling-pointer",
    "-Wno-error=maybe-uninitialized",
)
"""gcc 12 warnings that stop the v3.08 build under its -Werror (issue measured here)."""

NO_DEBUG_INFO = "-g0"
"""Given in CPPFLAGS, which waf puts last on each compile command, so it overrides TRex's
``-g``: the code generated is the same (gcc's -g adds only debug sections); measured on three
of TRex's files, 18-37 % less compile time, and a binary of about a fifth the size."""


@dataclass(frozen=True)
class BuildProfile:
    """Which of TRex's DPDK sources a build compiles."""

    name: str
    """``full`` or ``veth``; part of the cache key of every profile but ``full``."""
    left_out: tuple[str, ...]
    """DPDK source folders (relative to ``src/dpdk/``) removed from linux_dpdk/ws_main.py's
    file lists before configuring."""
    description: str
    """What a server of this profile can drive."""


PROFILES: dict[str, BuildProfile] = {
    "full": BuildProfile(
        "full",
        (),
        "every DPDK NIC driver TRex builds on x86_64 (Mellanox and the Broadcom library left "
        "out, as configured)",
    ),
    "veth": BuildProfile(
        "veth",
        (
            "drivers/net/bnxt/",
            "drivers/net/intel/ice/",
            "drivers/net/intel/iavf/",
            "drivers/net/enic/",
            "drivers/net/gve/",
            "drivers/net/netvsc/",
            "drivers/net/vdev_netvsc/",
            "drivers/bus/vmbus/",
            "drivers/net/ena/",
            "drivers/net/vmxnet3/",
            "drivers/net/memif/",
            "drivers/net/failsafe/",
            "drivers/net/virtio/",
        ),
        # Kept: af_packet, and the drivers TRex's own sources call into (i40e and ixgbe flow
        # director, igc filters, bonding); a link of the v3.08 objects without the folders
        # above has no undefined symbol.
        "af_packet (veth and other Linux interfaces), i40e, ixgbe, igb/igc, bonding; not "
        "ice, iavf, bnxt, enic, virtio, vmxnet3, ena, gve, netvsc, memif, failsafe",
    ),
}
"""Build profiles; ``full`` is the default, ``veth`` the one CI builds (env/trex.sh)."""


def build_profile(name: str) -> BuildProfile:
    """The profile called ``name``, or an error listing the ones there are."""
    try:
        return PROFILES[name]
    except KeyError:
        raise InputFileError(
            "--profile", f"unknown profile {name!r}", f"one of {', '.join(PROFILES)}"
        ) from None


def leave_out_sources(ws_main: Path, folders: tuple[str, ...]) -> dict[str, int]:
    """Remove the source files under ``folders`` from ws_main.py's lists (each file is one
    quoted path a line there); returns how many lines each folder lost. A folder that loses
    none means the source is laid out differently from v3.08: an error, not a silent full
    build."""
    removed = dict.fromkeys(folders, 0)
    kept: list[str] = []
    for line in ws_main.read_text().splitlines(keepends=True):
        path = line.strip().rstrip(",").strip("'\"")
        folder = next((f for f in folders if path.startswith(f)), None)
        if folder is not None and line.strip()[:1] in ("'", '"'):
            removed[folder] += 1
            continue
        kept.append(line)
    empty = [f for f, n in removed.items() if n == 0]
    if empty:
        raise TrexInstallError(
            f"{ws_main} lists no sources under {', '.join(empty)}: this profile was made for "
            "TRex v3.08's layout; build with --profile full"
        )
    ws_main.write_text("".join(kept))
    return removed


FACTS_NAME = "trex.json"
USE_NAME = "use.json"

Progress = Callable[[str], None]


class TrexInstallError(LwtbenchError):
    """A TRex build or install is unusable; the message says which and what to do."""


@dataclass(frozen=True)
class TrexInstall:
    """A TRex server install this machine can run."""

    path: Path
    """Directory holding ``t-rex-64`` and ``_t-rex-64`` (a release's top folder)."""
    version: str
    """TRex version (``v3.08``)."""
    origin: str
    """``built`` (by ``lwtbench trex build``) or ``release`` (``lwtbench trex use``)."""
    facts: dict = field(default_factory=dict)
    """What is known of it: for a build, the contents of its ``trex.json``."""

    @property
    def client_path(self) -> Path:
        """The Python client shipped with the server (``generator.trex_path`` takes this)."""
        return self.path


def trex_cache() -> Path:
    """Where TRex builds and the ``use`` choice live."""
    return cache_root() / "trex"


def cpu_identity() -> dict[str, str]:
    """CPU model and a digest of its flags: what ``-march=native`` compiled for."""
    model, flags = platform.processor() or "unknown", ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and model in ("unknown", "", platform.machine()):
                model = value.strip()
            elif key == "flags" and not flags:
                flags = " ".join(sorted(value.split()))
    return {
        "model": model,
        "machine": platform.machine(),
        "flags_sha256": hashlib.sha256(flags.encode()).hexdigest(),
    }


def cpu_key(cpu: dict[str, str] | None = None) -> str:
    """Short digest of :func:`cpu_identity` (part of the build key)."""
    cpu = cpu or cpu_identity()
    return hashlib.sha256(json.dumps(cpu, sort_keys=True).encode()).hexdigest()[:12]


# -- the source --------------------------------------------------------------------------------
def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _git(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], input=data, capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise TrexInstallError(f"git {' '.join(args)} in {git_dir}: {proc.stderr.decode()[:400]}")
    return proc.stdout


@dataclass(frozen=True)
class TrexSource:
    """A trex-core source: a work tree, or a git directory (e.g. a bare mirror)."""

    path: Path
    """What the user gave."""
    version: str
    """Contents of its ``VERSION`` file (``v3.08``)."""
    commit: str | None
    """Git commit, when known."""


def read_source(path: Path | str) -> TrexSource:
    """Check that ``path`` is a trex-core source and read its version (nothing is copied)."""
    p = Path(path).expanduser()
    fix = (
        "give a trex-core checkout (git clone https://github.com/cisco-system-traffic-generator/"
        "trex-core) or its .git directory"
    )
    if p.is_dir() and (p / ".git").exists():
        p_git = p / ".git"
    elif _is_git_dir(p):
        p_git = p
    else:
        p_git = None
    if (p / "VERSION").is_file() and (p / "linux_dpdk" / "b").is_file():
        commit = _git(p_git, "rev-parse", "HEAD").decode().strip() if p_git else None
        return TrexSource(p, (p / "VERSION").read_text().strip(), commit)
    if p_git is not None:
        try:
            version = _git(p_git, "show", "HEAD:VERSION").decode().strip()
            _git(p_git, "cat-file", "-e", "HEAD:linux_dpdk/b")
        except TrexInstallError:
            raise InputFileError(p, "a git directory without trex-core's VERSION", fix) from None
        return TrexSource(p_git, version, _git(p_git, "rev-parse", "HEAD").decode().strip())
    raise InputFileError(p, "not a trex-core source (no VERSION and linux_dpdk/b)", fix)


def export_source(source: TrexSource, dest: Path) -> list[str]:
    """Put the source's files in ``dest``; returns the paths left out.

    From a git directory, files whose blobs the object store lacks are left out (a public
    snapshot of trex-core misses a few drawings, a ppc64le library and a sample capture; the
    x86_64 server needs none of them), so ``git archive`` of the whole tree would fail.
    """
    dest.mkdir(parents=True)
    if not _is_git_dir(source.path):
        shutil.copytree(
            source.path,
            dest,
            symlinks=True,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".git", "build_dpdk", ".lock-waf*"),
        )
        return []
    listing = _git(source.path, "ls-tree", "-r", "-z", "HEAD").split(b"\0")
    entries = [e.split(b"\t", 1) for e in listing if e]
    blobs = [(meta.split()[2], path) for meta, path in entries if meta.split()[1] == b"blob"]
    checked = _git(
        source.path, "cat-file", "--batch-check", data=b"\n".join(b for b, _ in blobs) + b"\n"
    ).splitlines()
    missing = [
        p.decode() for (b, p), line in zip(blobs, checked, strict=True) if b"missing" in line
    ]
    pathspec = ["."] + [f":(exclude,literal){m}" for m in missing]
    archive = dest.parent / (dest.name + ".tar")
    try:
        with archive.open("wb") as fh:
            proc = subprocess.run(
                ["git", f"--git-dir={source.path}", "archive", "HEAD", "--", *pathspec],
                stdout=fh,
                stderr=subprocess.PIPE,
                check=False,
            )
        if proc.returncode != 0:
            raise TrexInstallError(f"git archive of {source.path}: {proc.stderr.decode()[:400]}")
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="tar")
    finally:
        archive.unlink(missing_ok=True)
    return missing


# -- the build -------------------------------------------------------------------------------
def build_key(version: str, cpu: dict[str, str] | None = None, profile: str = "full") -> str:
    """``<version>-<cpu digest>[-<profile>]``: the folder of a build under :func:`trex_cache`
    (the ``full`` profile has no suffix)."""
    return f"{version}-{cpu_key(cpu)}" + ("" if profile == "full" else f"-{profile}")


def read_build(directory: Path) -> TrexInstall | None:
    """The finished build in ``directory``, or None (``trex.json`` is written last)."""
    facts_path = directory / FACTS_NAME
    if not facts_path.is_file():
        return None
    facts = json.loads(facts_path.read_text())
    path = directory / "src" / "scripts"
    if not (path / BUILD_TARGET).is_file():
        return None
    return TrexInstall(path, str(facts["version"]), "built", facts)


def _run_logged(argv: list[str], cwd: Path, env: dict, log: Path, progress: Progress) -> None:
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(argv)}\n")
        fh.flush()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for n, line in enumerate(proc.stdout):
            fh.write(line)
            if n % 50 == 0 and line.startswith("["):
                progress(line.rstrip()[:120])
        rc = proc.wait()
    if rc != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise TrexInstallError(f"{' '.join(argv[:2])} failed (exit {rc}); see {log}:\n{tail}")


def _compiler() -> str:
    out = subprocess.run(["g++", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0].strip() if out.returncode == 0 else "unknown"


def build_trex(
    source_path: Path | str,
    jobs: int | None = None,
    progress: Progress | None = None,
    profile: str = "full",
) -> TrexInstall:
    """Build the TRex server from a trex-core source, or return the cached build of it.

    ``profile``: which DPDK drivers are compiled (:data:`PROFILES`)."""
    progress = progress or (lambda _line: None)
    chosen = build_profile(profile)
    source = read_source(source_path)
    cpu = cpu_identity()
    directory = trex_cache() / build_key(source.version, cpu, chosen.name)
    found = read_build(directory)
    if found is not None:
        progress(f"cached: {found.path}")
        return found
    try:
        trex_cache().mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(
            trex_cache(), f"cannot create: {exc.strerror}", f"run as root or set {CACHE_ENV}"
        ) from exc
    import fcntl

    with (trex_cache() / f"{directory.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second build of the same key waits, then reuses
        found = read_build(directory)
        if found is not None:
            return found
        shutil.rmtree(directory, ignore_errors=True)  # an unfinished earlier attempt
        directory.mkdir(parents=True)
        src = directory / "src"
        progress(f"exporting {source.path} ({source.version}) to {src}")
        missing = export_source(source, src)
        removed = leave_out_sources(src / "linux_dpdk" / "ws_main.py", chosen.left_out)
        if chosen.left_out:
            progress(f"profile {chosen.name}: left out {sum(removed.values())} DPDK sources")
        env = dict(os.environ)
        flags = " ".join(DOWNGRADED_WARNINGS)
        env["CXXFLAGS"] = f"{env.get('CXXFLAGS', '')} {flags}".strip()
        env["CFLAGS"] = f"{env.get('CFLAGS', '')} {flags}".strip()
        env["CPPFLAGS"] = f"{env.get('CPPFLAGS', '')} {NO_DEBUG_INFO}".strip()
        log = directory / "build.log"
        jobs = jobs or os.cpu_count() or 1
        started = time.monotonic()
        wrapper = src / "linux_dpdk"
        progress(f"configuring ({' '.join(CONFIGURE_OPTIONS)}); log {log}")
        _run_logged(["./b", "configure", *CONFIGURE_OPTIONS], wrapper, env, log, progress)
        progress(f"building {BUILD_TARGET} ({chosen.name}) with {jobs} jobs")
        _run_logged(
            ["./b", "build", f"--targets={BUILD_TARGET}", f"-j{jobs}"], wrapper, env, log, progress
        )
        seconds = time.monotonic() - started
        binary = src / "scripts" / BUILD_TARGET
        if not binary.is_file():
            raise TrexInstallError(f"the build ended without {binary}; see {log}")
        facts = {
            "version": source.version,
            "source": str(source.path),
            "source_commit": source.commit,
            "left_out": missing,
            "cpu": cpu,
            "cpu_key": cpu_key(cpu),
            "compiler": _compiler(),
            "configure_options": list(CONFIGURE_OPTIONS),
            "target": BUILD_TARGET,
            "cxxflags_added": list(DOWNGRADED_WARNINGS),
            "cppflags_added": [NO_DEBUG_INFO],
            "profile": chosen.name,
            "drivers": chosen.description,
            "sources_left_out": removed,
            "jobs": jobs,
            "build_seconds": round(seconds, 1),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "binary_bytes": binary.stat().st_size,
        }
        (directory / FACTS_NAME).write_text(json.dumps(facts, indent=2) + "\n")
    install = read_build(directory)
    assert install is not None
    return install


def list_builds() -> list[TrexInstall]:
    """Every finished build in the cache (any CPU)."""
    root = trex_cache()
    if not root.is_dir():
        return []
    return [b for d in sorted(root.iterdir()) if d.is_dir() and (b := read_build(d))]


# -- an existing install ---------------------------------------------------------------------
def read_install(path: Path | str) -> TrexInstall:
    """Check a TRex install (a release's top folder, or a build's ``scripts``)."""
    p = Path(path).expanduser().resolve()
    missing = [n for n in ("t-rex-64", BUILD_TARGET) if not (p / n).is_file()]
    if missing:
        raise InputFileError(
            p,
            f"no {' and '.join(missing)}: not a TRex install",
            "give the folder a TRex release tarball unpacks to (it holds t-rex-64), or build "
            "one with 'lwtbench trex build --source DIR'",
        )
    client = p / "automation" / "trex_control_plane" / "interactive" / "trex" / "stl" / "api.py"
    if not client.is_file():
        raise InputFileError(p, f"no {client.relative_to(p)}", "a complete TRex release")
    version = "unknown"
    # Releases name their folder after the version (v3.08); a build keeps it in ../VERSION.
    for candidate in (p / "VERSION", p.parent / "VERSION"):
        if candidate.is_file():
            version = candidate.read_text().strip()
            break
    else:
        if p.name.startswith("v") and p.name[1:2].isdigit():
            version = p.name
    return TrexInstall(p, version, "release", {"version": version, "path": str(p)})


def use_trex(path: Path | str) -> TrexInstall:
    """Make ``path`` the TRex install the project uses (recorded in the cache)."""
    install = read_install(path)
    trex_cache().mkdir(parents=True, exist_ok=True)
    record = {"path": str(install.path), "version": install.version, "cpu": cpu_identity()}
    (trex_cache() / USE_NAME).write_text(json.dumps(record, indent=2) + "\n")
    return install


def find_trex() -> TrexInstall | None:
    """The TRex install to use: ``$LWTBENCH_TREX``, else the one chosen with ``trex use``,
    else the most recent build for this CPU (a ``full`` build before a ``veth`` one); None
    when there is none."""
    env_path = os.environ.get(INSTALL_ENV)
    if env_path:
        return read_install(env_path)
    use = trex_cache() / USE_NAME
    if use.is_file():
        with contextlib.suppress(InputFileError, ValueError, KeyError):
            return read_install(json.loads(use.read_text())["path"])
    mine = cpu_key()
    builds = [b for b in list_builds() if b.facts.get("cpu_key") == mine]
    # A full build drives more NICs than a veth one: preferred when both are there.
    builds.sort(
        key=lambda b: (b.facts.get("profile", "full") == "full", b.facts.get("built_at", "")),
        reverse=True,
    )
    return builds[0] if builds else None

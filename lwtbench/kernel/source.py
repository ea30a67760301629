"""Unpack a Debian kernel source package, check its version, and revert or apply patches."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InputFileError, ParameterError
from .variants import KernelVariant, SourcePackage, file_sha256, lab_patches

STAMP_NAME = ".lwtbench-source.json"
"""File in a prepared tree recording what was unpacked and patched (see SourceTree)."""


@dataclass(frozen=True)
class SourceTree:
    """A kernel source tree prepared for one variant."""

    path: Path
    """Top of the tree (holds the kernel's Makefile)."""
    variant: str
    """Variant name (see variants.py)."""
    package: str
    """Debian source package it was unpacked from."""
    package_version: str
    """Debian version of that package (``dpkg-query``), or ``unknown`` if not installed."""
    kernel_version: str
    """VERSION.PATCHLEVEL.SUBLEVEL from the tree's Makefile, checked against the variant."""
    patches: dict[str, str] = field(default_factory=dict)
    """sha256 of each patch reverted or applied, keyed by ``revert:path`` / ``apply:path``."""
    lab: bool = False
    """True if the lab-only instrumentation patches (env/kernel/lab-*.patch) are applied."""

    def stamp(self) -> dict[str, object]:
        """What is written to the tree's stamp file (everything but the path)."""
        data = asdict(self)
        del data["path"]
        return data


def read_kernel_version(tree: Path) -> str:
    """VERSION.PATCHLEVEL.SUBLEVEL (+EXTRAVERSION) stated by ``tree/Makefile``."""
    makefile = tree / "Makefile"
    try:
        head = makefile.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError as exc:
        raise InputFileError(makefile, f"cannot read the kernel Makefile: {exc}") from exc
    fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION) = ?(.*)$", head, re.M))
    if not {"VERSION", "PATCHLEVEL", "SUBLEVEL"} <= fields.keys():
        raise InputFileError(makefile, "no VERSION/PATCHLEVEL/SUBLEVEL: not a kernel tree")
    version = f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields['SUBLEVEL']}"
    return version + fields.get("EXTRAVERSION", "").strip()


def debian_package_version(package: str) -> str:
    """The installed Debian version of ``package`` (e.g. ``6.12.117-1~deb12u1``) or unknown."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", package],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def unpack_source(source: SourcePackage, dest: Path) -> str:
    """Unpack ``source``'s tarball into the empty or absent ``dest``; return the checked version.

    The tarball holds one top folder (``linux-source-6.12/``); it is stripped so ``dest``
    becomes the top of the tree.
    """
    if not source.tarball.is_file():
        raise InputFileError(
            source.tarball,
            "kernel source tarball not found",
            f"install it with: apt-get install {source.package} (env/setup.sh does)",
        )
    if dest.exists() and any(dest.iterdir()):
        raise ParameterError("dest", str(dest), "must be an empty or absent folder")
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["tar", "-xf", str(source.tarball), "-C", str(dest), "--strip-components=1"],
        check=True,
    )
    version = read_kernel_version(dest)
    if version != source.kernel_version:
        raise InputFileError(
            source.tarball,
            f"holds kernel {version}, expected {source.kernel_version}",
            "the project's patches are checked against that exact release; install the "
            f"matching {source.package} or update lwtbench/kernel/variants.py and patch/",
        )
    return version


def apply_patch(tree: Path, patch: Path, *, reverse: bool = False) -> None:
    """Apply (or revert) one ``-p1`` patch exactly: no fuzz, checked with a dry run first.

    A dry run that fails leaves the tree untouched and raises an error that shows patch's
    own report.
    """
    args = ["patch", "-p1", "--fuzz=0", "--no-backup-if-mismatch", "--forward", "-s"]
    if reverse:
        args = ["patch", "-p1", "--fuzz=0", "--no-backup-if-mismatch", "--reverse", "-s"]
    with patch.open("rb") as fh:
        dry = subprocess.run(
            [*args, "--dry-run", "-d", str(tree)], stdin=fh, capture_output=True, text=True
        )
    if dry.returncode != 0:
        what = "revert" if reverse else "apply"
        raise InputFileError(
            patch,
            f"does not {what} cleanly to {tree}: {(dry.stdout + dry.stderr).strip()}",
            "the tree must be the exact Debian source the patch was made for",
        )
    with patch.open("rb") as fh:
        subprocess.run([*args, "-d", str(tree)], stdin=fh, check=True)


def patch_variant(tree: Path, variant: KernelVariant, *, lab: bool = False) -> dict[str, str]:
    """Revert and apply ``variant``'s patches (and the lab patches if ``lab``) in ``tree``."""
    for path in variant.revert:
        apply_patch(tree, path, reverse=True)
    for path in variant.apply:
        apply_patch(tree, path)
    hashes = variant.patch_hashes()
    if lab:
        for path in lab_patches(variant.source):
            apply_patch(tree, path)
            hashes[f"lab:{path.name}"] = file_sha256(path)
    return hashes


def prepare_source(variant: KernelVariant, dest: Path, *, lab: bool = False) -> SourceTree:
    """Unpack ``variant``'s Debian source into ``dest`` and patch it; write the stamp file."""
    version = unpack_source(variant.source, dest)
    try:
        hashes = patch_variant(dest, variant, lab=lab)
    except Exception:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    tree = SourceTree(
        path=dest,
        variant=variant.name,
        package=variant.source.package,
        package_version=debian_package_version(variant.source.package),
        kernel_version=version,
        patches=hashes,
        lab=lab,
    )
    (dest / STAMP_NAME).write_text(json.dumps(tree.stamp(), indent=2, sort_keys=True) + "\n")
    return tree


def expected_stamp(variant: KernelVariant, *, lab: bool) -> dict[str, object]:
    """The stamp a tree prepared now for ``variant`` would carry."""
    hashes = variant.patch_hashes()
    if lab:
        hashes.update({f"lab:{p.name}": file_sha256(p) for p in lab_patches(variant.source)})
    return SourceTree(
        path=Path(),
        variant=variant.name,
        package=variant.source.package,
        package_version=debian_package_version(variant.source.package),
        kernel_version=variant.source.kernel_version,
        patches=hashes,
        lab=lab,
    ).stamp()


def read_stamp(tree: Path) -> dict[str, object] | None:
    """The stamp of a prepared tree, or None if there is none (or it is unreadable)."""
    try:
        return json.loads((tree / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_source(variant: KernelVariant, dest: Path, *, lab: bool) -> SourceTree:
    """A tree for ``variant`` at ``dest``: reused when its stamp matches, else prepared anew.

    Reusing keeps file times, so an O= build directory next to it rebuilds nothing.
    """
    want = expected_stamp(variant, lab=lab)
    if read_stamp(dest) == want:
        return SourceTree(path=dest, **want)  # type: ignore[arg-type]
    if not dest.exists() or not any(dest.iterdir()):
        return prepare_source(variant, dest, lab=lab)
    # An older tree: prepare a fresh one beside it and copy over only the files whose
    # content differs, so make in the O= directories rebuilds only what a patch changed.
    fresh = dest.with_name(dest.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    tree = prepare_source(variant, fresh, lab=lab)
    subprocess.run(["rsync", "-rlc", "--delete", f"{fresh}/", f"{dest}/"], check=True)
    shutil.rmtree(fresh)
    return SourceTree(path=dest, **tree.stamp())  # type: ignore[arg-type]

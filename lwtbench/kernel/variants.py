"""The kernel variants the artifact builds, all from Debian's kernel source packages.

``vanilla`` is Debian's 6.12.117 with the upstream mitigation series taken out (``patch/``
holds the series in forward form, so reverting it gives the pre-series code), ``debian-6.12``
is that source as shipped (series included), ``fixed`` adds our own patch for the IOAM inline
case the later dst-ref-loop change reopened, and ``debian-6.1`` is Debian's 6.1.192 as shipped
(series for seg6 and rpl, not for ioam6). ``as-merged`` is the series as it was posted and
merged: Debian's 6.12.117 with the January 2025 dst-ref-loop change taken out again
(``patch/as-merged``), so IOAM inline caches its route. ``debian-7.2`` is Debian's newest
source (7.2.13, suite ``sid``, fetched by env/fetch_sid_kernel_source.py), which carries
upstream's own fix for IOAM inline (April 2025, a placeholder in the dst cache).

A :class:`KernelVariant` here is a *build recipe* (source package, patches, ``uname -r``);
what the built code does to a packet's headroom is the model's
:class:`~lwtbench.model.variants.CodeVariant` of the same name. They are two objects because
they change for different reasons (a new patch file vs. a new reading of the code) and the
kernel layer must build without the model; the names both use are in
:mod:`lwtbench.variant_names`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParameterError
from ..variant_names import BUILT_VARIANTS

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The clone: ``patch/`` and ``env/kernel/`` are read from here."""

PATCH_DIR = REPO_ROOT / "patch"
"""The mitigation series in forward form (vanilla -> Debian 6.12.117), with ``series``."""

FIXED_PATCH_DIR = PATCH_DIR / "fixed"
"""Our own patch on top of Debian 6.12.117 (the ``fixed`` variant), with ``series``."""

AS_MERGED_PATCH_DIR = PATCH_DIR / "as-merged"
"""Debian 6.12.117 -> the series as merged (the Jan 2025 dst-ref-loop test taken out)."""

ENV_KERNEL_DIR = REPO_ROOT / "env" / "kernel"
"""Config fragments and the lab-only instrumentation patches (``lab-*.patch``)."""

TOUCHED_FILES: tuple[str, ...] = (
    "include/net/dst.h",
    "net/ipv6/ioam6_iptunnel.c",
    "net/ipv6/seg6_iptunnel.c",
    "net/ipv6/rpl_iptunnel.c",
)
"""Files the series changes (the round trip is checked byte for byte on these)."""

TOUCHED_OBJECTS: tuple[str, ...] = (
    "net/ipv6/ioam6_iptunnel.o",
    "net/ipv6/seg6_iptunnel.o",
    "net/ipv6/rpl_iptunnel.o",
)
"""Objects compiled for x86_64 to check that every variant's code builds."""

FLAVOURS: tuple[str, ...] = ("counting", "timing")
"""``counting``: GCOV at the reallocation call sites; ``timing``: no GCOV, for throughput."""


@dataclass(frozen=True)
class SourcePackage:
    """One Debian kernel source package as installed by apt."""

    package: str
    """Debian package name, e.g. ``linux-source-6.12``."""
    tarball: Path
    """The source tarball the package installs under /usr/src."""
    kernel_version: str
    """Version the top Makefile must state (VERSION.PATCHLEVEL.SUBLEVEL), e.g. ``6.12.117``."""


@dataclass(frozen=True)
class KernelVariant:
    """A kernel the lab or a DUT runs: a Debian source plus a patch operation."""

    name: str
    """Variant name; it also ends ``uname -r`` (``<version>-lwtb-<name>``)."""
    source: SourcePackage
    """The Debian source package it is built from."""
    revert: tuple[Path, ...]
    """Patches reverted from the source, in the order they are reverted."""
    apply: tuple[Path, ...]
    """Patches applied after the reverts, in order."""
    description: str
    """One line for ``lwtbench kernel list``."""

    @property
    def localversion(self) -> str:
        """The suffix of ``uname -r`` that names the variant."""
        return f"-lwtb-{self.name}"

    @property
    def release(self) -> str:
        """``uname -r`` of the counting build, e.g. ``6.12.117-lwtb-vanilla``."""
        return self.source.kernel_version + self.localversion

    def patch_hashes(self) -> dict[str, str]:
        """sha256 of every patch this variant reverts or applies, keyed by ``op:path``."""
        out: dict[str, str] = {}
        for op, paths in (("revert", self.revert), ("apply", self.apply)):
            for path in paths:
                out[f"{op}:{path.relative_to(REPO_ROOT)}"] = file_sha256(path)
        return out


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_series(directory: Path) -> tuple[Path, ...]:
    """The patches listed in ``directory/series`` (quilt format: one name a line, # comments)."""
    series = directory / "series"
    names = [
        line.split("#", 1)[0].strip() for line in series.read_text(encoding="utf-8").splitlines()
    ]
    return tuple(directory / name for name in names if name)


def lab_patches(source: SourcePackage) -> tuple[Path, ...]:
    """Lab-only instrumentation patches, applied after a variant's own patches (UML only).

    ``env/kernel/lab-*.patch`` fit the 6.x sources; a source whose files moved has its own
    version of a patch under ``env/kernel/<package>/`` with the same name, used instead.
    """
    own = ENV_KERNEL_DIR / source.package
    return tuple(
        own / p.name if (own / p.name).is_file() else p
        for p in sorted(ENV_KERNEL_DIR.glob("lab-*.patch"))
    )


DEBIAN_6_12 = SourcePackage(
    package="linux-source-6.12",
    tarball=Path("/usr/src/linux-source-6.12.tar.xz"),
    kernel_version="6.12.117",
)
DEBIAN_6_1 = SourcePackage(
    package="linux-source-6.1",
    tarball=Path("/usr/src/linux-source-6.1.tar.xz"),
    kernel_version="6.1.192",
)
DEBIAN_7_2 = SourcePackage(
    package="linux-source-7.2",
    tarball=Path("/usr/src/linux-source-7.2.tar.xz"),
    kernel_version="7.2.13",
)


def _variants() -> dict[str, KernelVariant]:
    series = read_series(PATCH_DIR)
    return {
        v.name: v
        for v in (
            KernelVariant(
                name="vanilla",
                source=DEBIAN_6_12,
                revert=tuple(reversed(series)),
                apply=(),
                description="Debian 6.12.117 with the mitigation series reverted (pre-series)",
            ),
            KernelVariant(
                name="debian-6.12",
                source=DEBIAN_6_12,
                revert=(),
                apply=(),
                description="Debian 6.12.117 as shipped (series + Jan 2025 dst-ref-loop fix)",
            ),
            KernelVariant(
                name="fixed",
                source=DEBIAN_6_12,
                revert=(),
                apply=read_series(FIXED_PATCH_DIR),
                description="Debian 6.12.117 + our fix for the empty-cache IOAM inline case",
            ),
            KernelVariant(
                name="debian-6.1",
                source=DEBIAN_6_1,
                revert=(),
                apply=(),
                description="Debian 6.1.192 as shipped (series for seg6 and rpl, not ioam6)",
            ),
            KernelVariant(
                name="as-merged",
                source=DEBIAN_6_12,
                revert=(),
                apply=read_series(AS_MERGED_PATCH_DIR),
                description="Debian 6.12.117 without the Jan 2025 ref-loop test: the series "
                "as merged",
            ),
            KernelVariant(
                name="debian-7.2",
                source=DEBIAN_7_2,
                revert=(),
                apply=(),
                description="Debian 7.2.13 (sid) as shipped: upstream's Apr 2025 IOAM fix",
            ),
        )
    }


VARIANT_NAMES: tuple[str, ...] = BUILT_VARIANTS
"""Every variant, in the order the lab and the reports list them (the names are shared with
the model's code variants: :mod:`lwtbench.variant_names`)."""


def get_variant(name: str) -> KernelVariant:
    """The variant called ``name``; a ParameterError lists the allowed names otherwise."""
    variants = _variants()
    if name not in variants:
        raise ParameterError(
            "variant",
            name,
            f"must be one of {', '.join(VARIANT_NAMES)}",
            "see lwtbench kernel list",
        )
    return variants[name]


def shipped_variant(source: SourcePackage) -> KernelVariant:
    """The variant that is ``source`` exactly as Debian ships it (no patches)."""
    return next(
        v for v in _variants().values() if v.source == source and not v.revert and not v.apply
    )


def check_flavour(flavour: str) -> str:
    """``flavour`` if it is known, else a ParameterError naming the choices."""
    if flavour not in FLAVOURS:
        raise ParameterError(
            "flavour", flavour, f"must be one of {', '.join(FLAVOURS)}", "counting is the default"
        )
    return flavour

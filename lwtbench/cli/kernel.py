"""``lwtbench kernel source | build | list``: sources and builds of the kernel variants."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ..kernel.variants import FLAVOURS, VARIANT_NAMES, get_variant
from .common import add_alias, add_command, add_json, add_kernel_option, print_json
from .progress import Progress


def _variants(name: str) -> list[str]:
    return list(VARIANT_NAMES) if name == "all" else [get_variant(name).name]


MAKE_LINES_RE = re.compile(r"^make (\S+): (\d+) lines")

FIRST_BUILD_MAKE_LINES = 1600
"""Lines of a full ``make linux`` when no earlier log exists: the UML builds of Debian's
6.1.192 and 6.12.117 printed 1424 to 1592 (the logs of this project's kernel cache)."""


def expected_make_lines(logs: Path, flavour: str) -> int | None:
    """Lines a full ``make linux`` printed in the longest earlier UML build log of this
    flavour (the builds write about the same lines whatever the variant; ccache changes the
    time, not the output), or None when there is none: the estimate of the time left."""
    best = None
    for log in logs.glob(f"uml-*-{flavour}-*.log"):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("$ make ")]
        if starts and lines[starts[-1]].endswith(" linux"):
            n = len(lines) - starts[-1] - 1
            best = n if best is None or n > best else best
    return best


class BuildProgress(Progress):
    """Build progress: make's line counts become ``N/expected`` so the bar has a total."""

    expected: int | None = None

    def __call__(self, line: str) -> None:
        m = MAKE_LINES_RE.match(line)
        if m and self.expected:
            n = int(m.group(2))
            line = f"make {m.group(1)}: {n}/{max(self.expected, n)} lines (estimated total)"
        super().__call__(line)


def cmd_source(args: argparse.Namespace) -> int:
    from ..kernel.source import prepare_source

    tree = prepare_source(get_variant(args.kernel), Path(args.output_dir), lab=args.lab)
    if args.json:
        print_json(tree)
        return 0
    print(f"{tree.path}: {tree.package} {tree.package_version} (kernel {tree.kernel_version})")
    for op in tree.patches or {"(Debian's tree as shipped, no patches)": ""}:
        print(f"  {op}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    built: list[object] = []
    if args.target == "uml":
        from ..kernel.build import cache_root, ensure_uml_kernel

        for name in _variants(args.kernel):
            with BuildProgress(name) as progress:
                logged = expected_make_lines(cache_root() / "logs", args.flavour)
                progress.expected = logged or FIRST_BUILD_MAKE_LINES
                kernel = ensure_uml_kernel(
                    name, args.flavour, jobs=args.jobs, progress=progress, force=args.force
                )
            built.append(kernel)
            if not args.json:
                print(f"{kernel.release}\t{kernel.flavour}\t{kernel.linux}")
    else:
        from ..kernel.deb import ensure_deb

        for name in _variants(args.kernel):
            with Progress(name) as progress:
                result = ensure_deb(
                    name,
                    base_config=args.base_config,
                    jobs=args.jobs,
                    progress=progress,
                    force=args.force,
                )
            built.append(result)
            if not args.json:
                for deb in result.packages:
                    print(deb)
    if args.json:
        print_json(built)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ..kernel.build import cache_root, list_kernels

    kernels = list_kernels()
    where = cache_root() / "kernels"
    if args.json:
        print_json(
            {
                "variants": [
                    {"name": n, "description": get_variant(n).description} for n in VARIANT_NAMES
                ],
                "cache": where,
                "uml_kernels": [
                    {
                        "release": k.release,
                        "variant": k.variant,
                        "flavour": k.flavour,
                        "state": _state(k),
                        "built_at": k.manifest.get("built_at"),
                        "linux": k.linux,
                    }
                    for k in kernels
                ],
            }
        )
        return 0
    for name in VARIANT_NAMES:
        print(f"{name:12} {get_variant(name).description}")
    print(f"\nbuilt UML kernels in {where}:" if kernels else f"\nno UML kernels in {where}")
    for k in kernels:
        print(
            f"  {k.release:32} {k.flavour:9} {_state(k):8}"
            f"{k.manifest.get('built_at', '?')}  {k.linux}"
        )
    return 0


def _state(k) -> str:
    from ..errors import LwtbenchError
    from ..kernel.build import uml_key
    from ..kernel.source import debian_package_version

    try:
        variant = get_variant(k.variant)
    except LwtbenchError:  # built by a checkout that knows more variants (the cache is shared)
        return "unknown"
    current, _ = uml_key(variant, k.flavour, debian_package_version(variant.source.package))
    # an entry built from older patches or fragments stays (runs may cite it) but is
    # no longer what ensure_uml_kernel returns
    return "current" if k.directory.name == current else "stale"


def register(subparsers: argparse._SubParsersAction) -> None:
    kernel = add_command(
        subparsers,
        "kernel",
        help="kernel sources and builds (" + ", ".join(VARIANT_NAMES) + ")",
        description="Unpack, patch and build the kernel variants from Debian's sources.",
        examples=(
            "lwtbench kernel list",
            "lwtbench kernel build --kernel all",
            "lwtbench kernel source --kernel vanilla --output-dir /tmp/linux-vanilla",
        ),
    )
    sub = kernel.add_subparsers(dest="kernel_command", metavar="ACTION", required=True)

    source = add_command(
        sub,
        "source",
        help="unpack a variant's source tree and patch it",
        examples=(
            "lwtbench kernel source --kernel vanilla --output-dir /tmp/linux-vanilla",
            "lwtbench kernel source --kernel fixed --output-dir /tmp/linux-fixed --lab",
        ),
    )
    add_kernel_option(
        source, choices=VARIANT_NAMES, required=True, help="kernel variant", alias="--variant"
    )
    where = source.add_mutually_exclusive_group(required=True)  # --dest: the old spelling
    where.add_argument("--output-dir", metavar="DIR", help="empty or absent folder for the tree")
    add_alias(where, "--dest", "--output-dir", "output_dir")
    source.add_argument(
        "--lab", action="store_true", help="also apply the lab-only instrumentation patches"
    )
    add_json(source, "the tree, its package and patches")
    source.set_defaults(func=cmd_source)

    build = add_command(
        sub,
        "build",
        help="build a UML kernel (lab) or .deb packages (DUT)",
        description=(
            "Build the variant's User-Mode Linux kernel into the cache (or .deb packages for "
            "a DUT). Progress on stderr: elapsed time, and the time left estimated from the "
            "length of the last full build's log."
        ),
        examples=(
            "lwtbench kernel build --kernel vanilla",
            "lwtbench kernel build --kernel all --flavour timing",
            "lwtbench kernel build --kernel fixed --target deb --base-config running",
        ),
    )
    add_kernel_option(
        build,
        choices=(*VARIANT_NAMES, "all"),
        required=True,
        help="kernel variant, or all",
        alias="--variant",
    )
    build.add_argument(
        "--target",
        choices=("uml", "deb"),
        default="uml",
        help="uml: User-Mode Linux for the lab; deb: packages for an x86_64 DUT",
    )
    build.add_argument(
        "--flavour",
        choices=FLAVOURS,
        default="counting",
        help="uml only: counting (GCOV at the reallocation sites) or timing (no GCOV)",
    )
    build.add_argument(
        "--jobs", "-j", type=int, default=None, metavar="N", help="make -j (default: CPUs)"
    )
    build.add_argument(
        "--base-config",
        metavar="FILE|running",
        help="deb only: a full config to start from (e.g. Debian's from linux-config-<version>),"
        " or 'running' for this host's /boot/config-$(uname -r); default: the project's DUT "
        "config, the source's x86_64_defconfig + env/kernel/dut.config",
    )
    build.add_argument(
        "--force", action="store_true", help="rebuild even if cached (UML kernel or .deb packages)"
    )
    add_json(build, "what was built")
    build.set_defaults(func=cmd_build)

    lst = add_command(
        sub,
        "list",
        help="the variants and the UML kernels in the cache",
        examples=("lwtbench kernel list", "lwtbench kernel list --json"),
    )
    add_json(lst, "the variants and the cached kernels")
    lst.set_defaults(func=cmd_list)

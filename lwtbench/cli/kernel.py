"""``lwtbench kernel source | build | list``: sources and builds of the kernel variants."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..kernel.variants import FLAVOURS, VARIANT_NAMES, get_variant


def _variants(name: str) -> list[str]:
    return list(VARIANT_NAMES) if name == "all" else [get_variant(name).name]


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_source(args: argparse.Namespace) -> int:
    from ..kernel.source import prepare_source

    tree = prepare_source(get_variant(args.variant), Path(args.dest), lab=args.lab)
    print(f"{tree.path}: {tree.package} {tree.package_version} (kernel {tree.kernel_version})")
    for op in tree.patches or {"(Debian's tree as shipped, no patches)": ""}:
        print(f"  {op}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    if args.target == "uml":
        from ..kernel.build import ensure_uml_kernel

        for name in _variants(args.variant):
            kernel = ensure_uml_kernel(
                name, args.flavour, jobs=args.jobs, progress=_progress, force=args.force
            )
            print(f"{kernel.release}\t{kernel.flavour}\t{kernel.linux}")
        return 0
    from ..kernel.deb import build_deb

    for name in _variants(args.variant):
        result = build_deb(
            name,
            base_config=args.base_config,
            jobs=args.jobs,
            progress=_progress,
        )
        for deb in result.packages:
            print(deb)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ..kernel.build import cache_root, list_kernels, uml_key
    from ..kernel.source import debian_package_version

    for name in VARIANT_NAMES:
        print(f"{name:12} {get_variant(name).description}")
    kernels = list_kernels()
    where = cache_root() / "kernels"
    print(f"\nbuilt UML kernels in {where}:" if kernels else f"\nno UML kernels in {where}")
    for k in kernels:
        variant = get_variant(k.variant)
        current, _ = uml_key(variant, k.flavour, debian_package_version(variant.source.package))
        # an entry built from older patches or fragments stays (runs may cite it) but is
        # no longer what ensure_uml_kernel returns
        state = "current" if k.directory.name == current else "stale"
        print(
            f"  {k.release:32} {k.flavour:9} {state:8}{k.manifest.get('built_at', '?')}  {k.linux}"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    kernel = subparsers.add_parser(
        "kernel",
        help="kernel sources and builds (vanilla, debian-6.12, fixed, debian-6.1)",
        description="Unpack, patch and build the kernel variants from Debian's sources.",
    )
    sub = kernel.add_subparsers(dest="kernel_command", metavar="ACTION", required=True)

    source = sub.add_parser("source", help="unpack a variant's source tree and patch it")
    source.add_argument("--variant", required=True, choices=VARIANT_NAMES)
    source.add_argument("--dest", required=True, help="empty or absent folder for the tree")
    source.add_argument(
        "--lab", action="store_true", help="also apply the lab-only instrumentation patches"
    )
    source.set_defaults(func=cmd_source)

    build = sub.add_parser("build", help="build a UML kernel (lab) or .deb packages (DUT)")
    build.add_argument("--variant", required=True, choices=(*VARIANT_NAMES, "all"))
    build.add_argument("--target", choices=("uml", "deb"), default="uml")
    build.add_argument(
        "--flavour",
        choices=FLAVOURS,
        default="counting",
        help="uml only: counting (GCOV at the reallocation sites) or timing (no GCOV)",
    )
    build.add_argument("--jobs", "-j", type=int, default=None, help="make -j (default: CPUs)")
    build.add_argument(
        "--base-config",
        metavar="FILE|running",
        help="deb only: a full config to start from (e.g. Debian's from linux-config-<version>),"
        " or 'running' for this host's /boot/config-$(uname -r); default: the project's DUT "
        "config, the source's x86_64_defconfig + env/kernel/dut.config",
    )
    build.add_argument("--force", action="store_true", help="uml: rebuild even if cached")
    build.set_defaults(func=cmd_build)

    lst = sub.add_parser("list", help="the variants and the UML kernels in the cache")
    lst.set_defaults(func=cmd_list)

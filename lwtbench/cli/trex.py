"""``lwtbench trex build | use | show``: the TRex server as a managed dependency."""

from __future__ import annotations

import argparse
import os

from ..errors import InputFileError
from .common import add_command, add_json, print_json, progress_line


def register(subparsers: argparse._SubParsersAction) -> None:
    trex = add_command(
        subparsers,
        "trex",
        help="build the TRex server from source, or use an installed release",
        description=(
            "TRex builds are cached outside the clone (under $LWTBENCH_CACHE or "
            "/var/cache/lwtbench, in trex/<version>-<cpu>/), keyed by the source version and "
            "the CPU: TRex compiles with -march=native."
        ),
        examples=(
            "lwtbench trex build --source ~/trex-core",
            "lwtbench trex use /opt/trex/v3.08",
            "lwtbench trex show --json",
        ),
    )
    sub = trex.add_subparsers(dest="trex_command", metavar="ACTION", required=True)
    build = add_command(
        sub,
        "build",
        help="build the server from a trex-core source (15-30 min on 2 cores)",
        examples=(
            "lwtbench trex build --source ~/trex-core",
            "lwtbench trex build --source ~/trex-core/.git --jobs 2",
            "lwtbench trex build --source ~/trex-core --profile veth",
        ),
    )
    build.add_argument(
        "--source",
        metavar="DIR",
        help="trex-core work tree or git directory (default: $LWTBENCH_TREX_SOURCE)",
    )
    build.add_argument(
        "--jobs", type=int, metavar="N", help="parallel compile jobs (default: all cores)"
    )
    build.add_argument(
        "--profile",
        default="full",
        choices=("full", "veth"),
        help="DPDK drivers compiled: full (every NIC driver TRex builds on x86_64) or veth "
        "(af_packet for veth interfaces, plus i40e, ixgbe, igb/igc and bonding, which TRex's "
        "own code calls; what the software lab and CI need, about a third less to compile)",
    )
    add_json(build, "the build's facts")
    build.set_defaults(func=cmd_build)
    use = add_command(
        sub,
        "use",
        help="use an existing TRex install (a release's folder)",
        examples=("lwtbench trex use /opt/trex/v3.08",),
    )
    use.add_argument("directory", help="folder holding t-rex-64 (e.g. /opt/trex/v3.08)")
    add_json(use, "the install recorded")
    use.set_defaults(func=cmd_use)
    show = add_command(
        sub,
        "show",
        help="the TRex install in use (exit 1 when there is none)",
        examples=("lwtbench trex show", "lwtbench trex show --json"),
    )
    add_json(show, "its facts")
    show.set_defaults(func=cmd_show)


def _facts(install) -> dict[str, object]:
    return {"path": str(install.path), "origin": install.origin, **install.facts}


def cmd_build(args: argparse.Namespace) -> int:
    from ..testbeds.trex.install import SOURCE_ENV, build_trex

    source = args.source or os.environ.get(SOURCE_ENV)
    if not source:
        raise InputFileError("--source", "missing", f"give --source DIR or set {SOURCE_ENV}")
    install = build_trex(source, jobs=args.jobs, progress=progress_line, profile=args.profile)
    if args.json:
        print_json(_facts(install))
    else:
        seconds = install.facts.get("build_seconds")
        profile = install.facts.get("profile", "full")
        print(f"{install.path}\t{install.version}\t{profile}\tbuilt in {seconds} s")
    return 0


def cmd_use(args: argparse.Namespace) -> int:
    from ..testbeds.trex.install import use_trex

    install = use_trex(args.directory)
    if args.json:
        print_json(_facts(install))
    else:
        print(f"{install.path}\t{install.version}\t(recorded; 'lwtbench trex show' prints it)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from ..testbeds.trex.install import find_trex

    install = find_trex()
    if install is None:
        if args.json:
            print_json({"path": None})
        else:
            print("no TRex install: 'lwtbench trex build --source DIR' or 'lwtbench trex use DIR'")
        return 1
    if args.json:
        print_json(_facts(install))
    else:
        profile = f" ({install.facts['profile']})" if "profile" in install.facts else ""
        print(f"{install.path}\t{install.version}\t{install.origin}{profile}")
    return 0

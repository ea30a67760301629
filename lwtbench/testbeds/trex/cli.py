"""``lwtbench trex build | use | show``: the TRex server as a managed dependency."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ...errors import InputFileError


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def register(subparsers: argparse._SubParsersAction) -> None:
    trex = subparsers.add_parser(
        "trex",
        help="build the TRex server from source, or use an installed release",
        description=(
            "TRex builds are cached outside the clone (under $LWTBENCH_CACHE or "
            "/var/cache/lwtbench, in trex/<version>-<cpu>/), keyed by the source version and "
            "the CPU: TRex compiles with -march=native."
        ),
    )
    sub = trex.add_subparsers(dest="trex_command", metavar="ACTION", required=True)
    build = sub.add_parser("build", help="build the server from a trex-core source (~20 min)")
    build.add_argument(
        "--source",
        help="trex-core work tree or git directory (default: $LWTBENCH_TREX_SOURCE)",
    )
    build.add_argument("--jobs", type=int, help="parallel compile jobs (default: all cores)")
    build.set_defaults(func=cmd_build)
    use = sub.add_parser("use", help="use an existing TRex install (a release's folder)")
    use.add_argument("directory", help="folder holding t-rex-64 (e.g. /opt/trex/v3.08)")
    use.set_defaults(func=cmd_use)
    show = sub.add_parser("show", help="the TRex install in use (exit 1 when there is none)")
    show.add_argument("--json", action="store_true", help="print its facts as JSON")
    show.set_defaults(func=cmd_show)


def cmd_build(args: argparse.Namespace) -> int:
    from .install import SOURCE_ENV, build_trex

    source = args.source or os.environ.get(SOURCE_ENV)
    if not source:
        raise InputFileError("--source", "missing", f"give --source DIR or set {SOURCE_ENV}")
    install = build_trex(source, jobs=args.jobs, progress=_progress)
    seconds = install.facts.get("build_seconds")
    print(f"{install.path}\t{install.version}\tbuilt in {seconds} s")
    return 0


def cmd_use(args: argparse.Namespace) -> int:
    from .install import use_trex

    install = use_trex(args.directory)
    print(f"{install.path}\t{install.version}\t(recorded; 'lwtbench trex show' prints it)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .install import find_trex

    install = find_trex()
    if install is None:
        print("no TRex install: 'lwtbench trex build --source DIR' or 'lwtbench trex use DIR'")
        return 1
    if args.json:
        print(json.dumps({"path": str(install.path), "origin": install.origin, **install.facts}))
    else:
        print(f"{install.path}\t{install.version}\t{install.origin}")
    return 0

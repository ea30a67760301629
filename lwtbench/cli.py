"""``lwtbench``: one command line for the artifact.

Each layer owns its subcommands in a ``cli`` module exposing ``register(subparsers)``; this
module only assembles them, so a newcomer finds ``lwtbench model ...`` in
``lwtbench/model/cli.py``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from . import __version__
from .errors import LwtbenchError

# (module, what it adds); a module that is absent is simply not offered.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "lwtbench.packets.cli",  # packets show | pcap
    "lwtbench.model.cli",  # model triggers | platforms | explain
    "lwtbench.kernel.cli",  # kernel source | build | list
    "lwtbench.testbeds.lab_cli",  # lab run, probe
    "lwtbench.testbeds.run_cli",  # run, preflight (TRex + DUT)
    "lwtbench.analysis.cli",  # figures, claims
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lwtbench",
        description=(
            "Reproduce 'Mitigating the Double-Reallocation Issue for IPv6 Lightweight Tunnel "
            "Encapsulations in the Linux Kernel': craft packets, predict reallocations, build "
            "vanilla and patched kernels, measure in a software lab or on a TRex testbed, and "
            "make the paper's figures and claims table."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here, not at exit
        return code
    except LwtbenchError as exc:
        print(f"lwtbench: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output went away (``lwtbench ... | head``): stop quietly, and keep
        # Python from failing again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        print("lwtbench: output closed early (broken pipe)", file=sys.stderr)
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by it
    except KeyboardInterrupt:
        print("lwtbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

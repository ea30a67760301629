"""``lwtbench``: one command line for the artifact, thin (arguments in, calls into the package).

One module per subcommand group, each exposing ``register(subparsers)``: ``lwtbench model ...``
is in ``lwtbench/cli/model.py``; this module only assembles them.

Must not import: (nothing is off limits); no other package imports ``lwtbench.cli``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import LwtbenchError
from .common import EXIT_CODES, HelpFormatter, examples_epilog

# (module, what it adds); a module that is absent is simply not offered.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "lwtbench.cli.packets",  # packets show | pcap
    "lwtbench.cli.model",  # model triggers | platforms | explain
    "lwtbench.cli.kernel",  # kernel source | build | list
    "lwtbench.cli.lab",  # lab run, probe
    "lwtbench.cli.run",  # run, preflight (TRex + DUT)
    "lwtbench.cli.trex",  # trex build | use | show
    "lwtbench.cli.vm",  # vm create | start | stop | show
    "lwtbench.cli.dut",  # dut install | switch | boot (kernels on a testbed's DUT)
    "lwtbench.cli.analysis",  # figures, claims
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lwtbench",
        description=(
            "Reproduce 'Mitigating the Double-Reallocation Issue for IPv6 Lightweight Tunnel "
            "Encapsulations in the Linux Kernel': craft packets, predict reallocations, build "
            "vanilla and patched kernels, measure in a software lab or on a TRex testbed, and "
            "make the paper's figures and claims table. Every command has --help with "
            "examples; reports are text, or JSON with --json; progress goes to stderr."
        ),
        epilog=examples_epilog(
            (
                "lwtbench packets show --protocol seg6 --mode encap --segments 13",
                "lwtbench model triggers --protocol ioam6 --mode inline --range 4:244:4 "
                "--platform x86_64/i40e --kernel vanilla",
                "lwtbench claims --json",
                "lwtbench -v lab run --campaign paper --kernel vanilla fixed",
            ),
            "exit codes:\n\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES),
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more log output on stderr (-vv: debug); also accepted after the command",
    )
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

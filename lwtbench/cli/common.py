"""What every ``lwtbench`` subcommand shares: help layout, examples, ``-v``, ``--json``, and
the names of options that mean the same thing in several commands.

One concept, one option name, one meaning across commands:

- ``--kernel``: kernel variant(s) (vanilla, debian-6.12, fixed, debian-6.1); several where a
  command takes several (``--kernel vanilla fixed``).
- ``--segments`` (seg6, rpl) and ``--trace-size`` (ioam6): the point's parameter.
- ``--output``: a file to write; ``--output-dir``: a folder to write into.
- ``--data``: the results root (``data/<campaign>/<run>/``).
- ``--json``: print the command's report as one JSON document on stdout (progress and
  messages go to stderr).

Older spellings (``--kernels``, ``--variant``, ``--param``, ``--dest``, ``--output`` for a
folder) still parse, hidden from ``--help``, with a note on stderr naming the new one.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ParameterError

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (1, "a check failed (preflight, lab run counts vs the model, a notebook, lab cleanup)"),
    (2, "bad input: an unknown option or value, a missing or invalid file (nothing was changed)"),
    (130, "interrupted (Ctrl-C)"),
    (141, "the reader of stdout went away (e.g. piped into head)"),
)
"""What ``lwtbench`` returns; :func:`lwtbench.cli.main` maps exceptions onto these."""


class HelpFormatter(argparse.HelpFormatter):
    """Appends each option's default to its help, and keeps indented example lines as written.

    A default of None or False says nothing (the option is simply off), so it is not shown;
    a help text that already explains its default keeps its own words.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or text == argparse.SUPPRESS
            or default in (None, False, argparse.SUPPRESS)
            or "(default" in text
            or "default:" in text
        ):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, list | tuple) else default
        return f"{text} (default: {str(shown).replace('%', '%%')})"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # Paragraphs are wrapped; a paragraph whose lines start with spaces (examples) is kept.
        out = []
        for para in text.split("\n\n"):
            if para.startswith(" "):
                out.append("\n".join(indent + line for line in para.splitlines()))
            else:
                out.append(
                    textwrap.fill(
                        " ".join(para.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                    )
                )
        return "\n\n".join(out)


def examples_epilog(examples: Sequence[str], notes: str = "") -> str:
    """The ``examples:`` block shown at the end of a command's ``--help``."""
    lines = "\n".join(f"  {e}" for e in examples)
    return f"examples:\n\n{lines}" + (f"\n\n{notes}" if notes else "")


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """``-v`` on a subcommand: SUPPRESS keeps a ``-v`` given before the subcommand."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="more log output on stderr (-vv: debug); also accepted before the command",
    )


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    *,
    help: str,
    examples: Sequence[str],
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand with the shared help layout, its examples and ``-v``."""
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description or help[0].upper() + help[1:] + ".",
        epilog=examples_epilog(examples),
        formatter_class=HelpFormatter,
    )
    add_verbose(parser)
    return parser


def add_json(parser: argparse.ArgumentParser, what: str = "the report") -> None:
    parser.add_argument(
        "--json", action="store_true", help=f"print {what} as JSON on stdout instead of text"
    )


class _Deprecated(argparse.Action):
    """An older spelling of an option: stores like the new one and says so on stderr."""

    def __init__(self, option_strings, dest, new: str, store_const=None, **kwargs):
        self.new = new
        self.store_const = store_const
        if store_const is not None:
            kwargs["nargs"] = 0
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"lwtbench: note: {option_string} is deprecated, use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, self.store_const if self.store_const is not None else values)


def add_alias(parser: argparse._ActionsContainer, old: str, new: str, dest: str, **kwargs) -> None:
    """Accept ``old`` (hidden from ``--help``) as a deprecated spelling of ``new``."""
    parser.add_argument(
        old, dest=dest, new=new, action=_Deprecated, help=argparse.SUPPRESS, **kwargs
    )


def add_kernel_option(
    parser: argparse.ArgumentParser,
    *,
    choices: Sequence[str] | None,
    help: str,
    several: bool = False,
    required: bool = False,
    default: Any = None,
    alias: str | None = None,
) -> None:
    """``--kernel`` (one variant, or several with ``several``), ``dest="kernel"``."""
    nargs = "+" if several else None
    # A required option with an old spelling: argparse must accept either, so both sit in a
    # required group (the old one hidden).
    group = parser.add_mutually_exclusive_group(required=True) if required and alias else None
    (group or parser).add_argument(
        "--kernel",
        dest="kernel",
        nargs=nargs,
        choices=choices,
        required=required and group is None,
        default=default,
        metavar="VARIANT",
        help=help + (f" ({', '.join(choices)})" if choices else ""),
    )
    if alias:
        add_alias(group or parser, alias, "--kernel", "kernel", nargs=nargs, choices=choices)


def add_point_options(
    parser: argparse.ArgumentParser,
    *,
    segments_help: str = "seg6/rpl: number of segments",
    trace_help: str = "ioam6: pre-allocated trace bytes",
    param_alias: bool = False,
    type=int,
    segments_default: int | None = None,
    trace_default: int | None = None,
) -> None:
    """``--segments`` and ``--trace-size``: the point's parameter, named as in the paper."""
    parser.add_argument(
        "--segments", type=type, default=segments_default, metavar="N", help=segments_help
    )
    parser.add_argument(
        "--trace-size", type=type, default=trace_default, metavar="BYTES", help=trace_help
    )
    if param_alias:
        add_alias(parser, "--param", "--segments or --trace-size", "param", type=type)


def point_param(args: argparse.Namespace, default: int | None = None) -> int:
    """The point's parameter: ``--trace-size`` for ioam6, ``--segments`` otherwise (or the
    deprecated ``--param``); ``default`` when none is given, else a ParameterError."""
    ioam = args.protocol == "ioam6"
    flag, wrong = ("--trace-size", "--segments") if ioam else ("--segments", "--trace-size")
    given = args.trace_size if ioam else args.segments
    other = args.segments if ioam else args.trace_size
    if other is not None:
        raise ParameterError(wrong, other, f"does not apply to {args.protocol}", f"use {flag}")
    legacy = getattr(args, "param", None)
    if given is None:
        given = legacy if legacy is not None else default
    if given is None:
        raise ParameterError(flag, None, f"required for {args.protocol}", f"e.g. {flag} 13")
    return given


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: dataclasses as objects of their fields, paths as
    strings, tuples and sets as lists; anything else as its ``str``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def progress_line(line: str) -> None:
    """A progress line on stderr (stdout stays the command's report)."""
    print(line, file=sys.stderr, flush=True)


def print_json(value: Any) -> None:
    """The one JSON document a ``--json`` command prints on stdout."""
    print(json.dumps(jsonable(value), indent=1))

"""Every option of every ``lwtbench`` command has help text, every command has examples in
its ``--help`` and those examples parse; ``-v`` works before and after the command; the old
spellings of renamed options still parse."""

from __future__ import annotations

import argparse
import shlex

import pytest

from lwtbench.cli import build_parser, main
from lwtbench.cli.common import EXIT_CODES


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command words, parser) for the top parser and every subcommand below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, (*path, name))


PARSERS = dict(walk(build_parser()))
COMMANDS = {" ".join(p): parser for p, parser in PARSERS.items() if p}


def test_the_walk_finds_every_command():
    # a guard on the walk itself: a leaf of each module is there
    for name in ("packets show", "model explain", "kernel list", "lab rounds", "run", "claims"):
        assert name in COMMANDS
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_has_help(command):
    parser = COMMANDS[command]
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue  # positionals (subcommand choice) and hidden deprecated spellings
        assert action.help and len(action.help) > 5, f"{command} {action.option_strings}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_default_is_shown(command):
    parser = COMMANDS[command]
    text = parser.format_help()
    for action in parser._actions:
        if (
            action.option_strings
            and action.help != argparse.SUPPRESS
            and action.default not in (None, False, argparse.SUPPRESS)
        ):
            shown = parser._get_formatter()._get_help_string(action) % {
                **vars(action),
                "default": action.default,
            }
            assert "default" in shown, f"{command} {action.option_strings}: {shown}"
    assert "examples:" in text


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_examples_that_parse(command):
    parser = COMMANDS[command]
    examples = [
        line.strip()
        for line in (parser.epilog or "").split("examples:", 1)[-1].splitlines()
        if line.strip().startswith(("lwtbench ", "sudo lwtbench "))
    ]
    assert examples, f"{command}: no example in --help"
    assert any(e.split()[1 if e.startswith("lwtbench") else 2] == command.split()[0]
               for e in examples), f"{command}: no example of the command itself"  # fmt: skip
    for example in examples:
        argv = shlex.split(example.removeprefix("sudo "))[1:]
        args = build_parser().parse_args(argv)  # SystemExit(2) on an example that is wrong
        assert callable(args.func), example


def test_top_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    for code, meaning in EXIT_CODES:
        assert f"  {code:<4} {meaning}" in out


@pytest.mark.parametrize(
    ("argv", "verbose"),
    [
        (["model", "platforms"], 0),
        (["-v", "model", "platforms"], 1),
        (["model", "platforms", "-v"], 1),
        (["model", "-v", "platforms", "--json"], 1),
        (["model", "platforms", "-vv"], 2),
        (["--verbose", "lab", "cleanup", "--dry-run"], 1),
        (["lab", "cleanup", "--dry-run", "--verbose"], 1),
        (["kernel", "list", "-v"], 1),
    ],
)
def test_verbose_before_or_after_the_command(argv, verbose):
    assert build_parser().parse_args(argv).verbose == verbose


def test_verbose_after_the_command_runs(capsys):
    assert main(["model", "platforms", "--arch", "x86_64", "-v"]) == 0
    assert "x86_64/i40e" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "old", "dest", "value"),
    [
        (["model", "explain", "--param", "236"], "--param", "param", 236),
        (["lab", "rounds", "--param", "13"], "--param", "param", 13),
        (["lab", "rounds", "--kernels", "vanilla"], "--kernels", "kernel", ["vanilla"]),
        (["lab", "run", "--campaign", "quick", "--kernels", "fixed"], "--kernels", "kernel",
         ["fixed"]),
        (["kernel", "build", "--variant", "fixed"], "--variant", "kernel", "fixed"),
        (["kernel", "source", "--variant", "fixed", "--dest", "d"], "--dest", "output_dir", "d"),
        (["figures", "--output", "o"], "--output", "output_dir", "o"),
    ],
)  # fmt: skip
def test_old_spellings_still_parse_and_say_what_replaces_them(argv, old, dest, value, capsys):
    base = {"model": ["--protocol", "ioam6", "--mode", "inline", "--platform", "x86_64/i40e",
                      "--kernel", "vanilla"]}.get(argv[0], [])  # fmt: skip
    args = build_parser().parse_args([*argv, *base])
    assert str(getattr(args, dest)) == str(value)  # (figures' folder is a Path)
    err = capsys.readouterr().err
    assert f"{old} is deprecated, use --" in err
    # hidden from --help: only the new name is offered
    command = " ".join(w for w in argv[:2] if not w.startswith("-"))
    assert f"{old} " not in COMMANDS[command].format_help().replace(f"{old}-", "")


def test_model_explain_with_the_new_name_equals_the_old(capsys):
    common = ["model", "explain", "--protocol", "ioam6", "--mode", "inline",
              "--platform", "x86_64/i40e", "--kernel", "debian-6.12"]  # fmt: skip
    assert main([*common, "--trace-size", "236"]) == 0
    new = capsys.readouterr().out
    assert main([*common, "--param", "236"]) == 0
    assert capsys.readouterr().out == new and "reallocations: 2" in new


def test_a_parameter_of_the_other_protocol_is_named(capsys):
    argv = ["model", "explain", "--protocol", "ioam6", "--mode", "inline", "--segments", "13",
            "--platform", "x86_64/i40e", "--kernel", "vanilla"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--segments" in err and "does not apply to ioam6" in err and "--trace-size" in err

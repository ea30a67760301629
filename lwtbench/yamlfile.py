"""Reading a YAML file a user gives (campaign, testbed) without surprises.

PyYAML's ``safe_load`` builds no objects, but it still accepts what a hand-written settings
file never needs and what makes a mistake or an attack silent: a key given twice (the last
one wins), aliases that expand exponentially (a few hundred bytes can take gigabytes),
nesting deep enough to exhaust the stack, and bytes that are not UTF-8. This loader refuses
each of them with an :class:`~lwtbench.errors.InputFileError` naming the file and the line.

It sits at the bottom of the package: it imports nothing of lwtbench but the errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import InputFileError

MAX_BYTES = 1 << 20
"""A settings file is a few kilobytes; a megabyte is a mistake (a data file given instead)."""
MAX_ALIASES = 16
"""Aliases (``*name``) allowed in one file: enough to share a block, far from a bomb."""
MAX_DEPTH = 16
"""Nesting of mappings and lists: the deepest shipped file uses 4."""
MAX_NODES = 100_000
"""Scalars, lists and mappings after aliases are expanded (the shipped campaigns use ~500)."""


class _Refused(Exception):
    """A structural limit was hit; carries the line (1-based) and the problem."""

    def __init__(self, line: int, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.line, self.problem, self.fix = line, problem, fix


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases, bounds depth and size, and refuses duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _Refused(
                    mark.line + 1,
                    f"more than {MAX_ALIASES} aliases (*name)",
                    "write the values out; aliases that expand are refused",
                )
        return super().compose_node(parent, index)  # type: ignore[arg-type]

    def construct_document(self, node: Node) -> Any:
        _check_shape(node)
        return super().construct_document(node)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # merge keys (<<) first, as SafeConstructor does
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise _Refused(
                    key_node.start_mark.line + 1,
                    f"a key is a {type(key).__name__}",
                    "keys are plain names or numbers",
                ) from None
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _Refused(
                    line,
                    f"key {key!r} given twice (first on line {seen[key]})",
                    "keep one of them",
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _check_shape(root: Node) -> None:
    """Depth and expanded size, walked without recursion (deep input must not crash us)."""
    count = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _Refused(
                root.start_mark.line + 1,
                f"more than {MAX_NODES} values once aliases are expanded",
                "a settings file needs far fewer; remove the aliases",
            )
        if depth > MAX_DEPTH:
            raise _Refused(
                node.start_mark.line + 1,
                f"nested deeper than {MAX_DEPTH} levels",
                "flatten the structure (see the shipped examples)",
            )
        if isinstance(node, SequenceNode):
            stack += [(child, depth + 1) for child in node.value]
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack += [(key, depth + 1), (value, depth + 1)]
        elif not isinstance(node, ScalarNode):  # pragma: no cover - PyYAML has no other kind
            raise _Refused(node.start_mark.line + 1, "unexpected node", "simplify the file")


def parse_yaml_text(text: str, source: object = "<yaml>") -> Any:
    """Parse one YAML document from ``text`` with the limits above."""
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise InputFileError(source, f"line {exc.line}: {exc.problem}", exc.fix) from None
    except ConstructorError as exc:
        raise InputFileError(source, _one_line(f"not valid YAML ({exc})"), "fix it") from None
    except yaml.YAMLError as exc:
        raise InputFileError(
            source, _one_line(f"not valid YAML ({exc})"), "fix the syntax"
        ) from None
    except RecursionError:
        # The composer recurses while it reads; nesting thousands deep ends here first.
        raise InputFileError(
            source, f"nested deeper than {MAX_DEPTH} levels", "flatten the structure"
        ) from None
    finally:
        loader.dispose()


def load_yaml_file(path: Path | str, what: str = "file") -> Any:
    """Read ``path`` (UTF-8, at most :data:`MAX_BYTES`) and parse it with the limits above.

    ``what`` names the file's role in the messages (``campaign``, ``testbed file``).
    """
    p = Path(path)
    if p.is_dir():
        raise InputFileError(p, "is a directory", f"give the {what} YAML file")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputFileError(p, "no such file", f"give an existing {what}") from None
    except OSError as exc:
        raise InputFileError(p, f"cannot be read ({exc.strerror})", "check the path") from None
    if len(raw) > MAX_BYTES:
        raise InputFileError(p, f"larger than {MAX_BYTES // 1024} KiB", f"is this really a {what}?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(
            p,
            f"line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8",
            "save the file as UTF-8 (YAML files are text)",
        ) from None
    if "\x00" in text:
        raise InputFileError(p, "holds NUL bytes (a binary file?)", f"give the {what} YAML file")
    return parse_yaml_text(text, p)


def _one_line(text: str) -> str:
    return " ".join(text.split())

"""The safe YAML loader: what a settings file needs passes, what hides a mistake or an attack
is refused with the file and the line."""

from __future__ import annotations

import resource

import pytest

from lwtbench.errors import InputFileError
from lwtbench.yamlfile import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, load_yaml_file, parse_yaml_text


def test_plain_settings_pass_unchanged():
    text = "name: t\nsizes: [1, 2]\nmap: {a: 1.5, b: null, c: true, d: '06'}\n"
    assert parse_yaml_text(text) == {
        "name": "t",
        "sizes": [1, 2],
        "map": {"a": 1.5, "b": None, "c": True, "d": "06"},
    }


def test_a_few_aliases_and_merge_keys_still_work():
    text = "base: &b {x: 1}\none: {<<: *b, y: 2}\ntwo: *b\n"
    assert parse_yaml_text(text) == {"base": {"x": 1}, "one": {"x": 1, "y": 2}, "two": {"x": 1}}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: 1\nb: 2\na: 3\n", "line 3: key 'a' given twice (first on line 1)"),
        ("x:\n  k: 1\n  k: 1\n", "line 3: key 'k' given twice"),
        ("? [a, b]\n: 1\n", "line 1: a key is a list"),
        ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}"),
        ("a: " + "[" * 20000 + "]" * 20000, f"deeper than {MAX_DEPTH}"),
        ("a: &a 1\n" + "".join(f"k{i}: *a\n" for i in range(MAX_ALIASES + 1)), "aliases"),
        ("a: [unclosed\n", "not valid YAML"),
        ("a: !!python/object:os.system x\n", "not valid YAML"),
    ],
)
def test_refused_with_the_line(text, expected):
    with pytest.raises(InputFileError) as info:
        parse_yaml_text(text, "f.yaml")
    assert str(info.value).startswith("f.yaml: ") and expected in str(info.value)


def test_alias_bomb_is_refused_without_memory_growth():
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        levels.append(f"{cur}: &{cur} [{', '.join([f'*{prev}'] * 9)}]")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputFileError, match="aliases"):
        parse_yaml_text("\n".join(levels))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50_000  # 9**10 expanded values would take gigabytes


@pytest.mark.parametrize(
    "content, expected",
    [
        ("name: caf\xe9\n".encode("latin-1"), "line 1: byte 0xe9 is not UTF-8"),
        (b"a: 1\n\x00\x01", "NUL bytes"),
        (b"a: 1\n" + b"#" * MAX_BYTES, "larger than"),
    ],
)
def test_file_bytes_checked(tmp_path, content, expected):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=expected):
        load_yaml_file(path, "campaign")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        load_yaml_file(tmp_path / "nope.yaml")
    with pytest.raises(InputFileError, match="is a directory"):
        load_yaml_file(tmp_path)

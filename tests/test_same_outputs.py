"""benchmarks/same_outputs.py: the check that a refactoring changed no figure and no claim."""

from __future__ import annotations

from benchmarks.same_outputs import differences


def _tree(root, png=b"\x89PNG1", claims="C1 ok\n"):
    (root / "figures").mkdir(parents=True)
    (root / "figures" / "a.png").write_bytes(png)
    (root / "claims.md").write_text(claims)
    (root / "notebooks").mkdir()
    (root / "notebooks" / "x.png").write_bytes(png + b"dated")


def test_identical_outputs_have_no_difference(tmp_path):
    _tree(tmp_path / "a")
    _tree(tmp_path / "b")
    (tmp_path / "b" / "notebooks" / "x.png").write_bytes(b"other")  # notebooks are not compared
    assert differences(tmp_path / "a", tmp_path / "b") == []


def test_one_changed_byte_or_a_missing_file_is_reported(tmp_path):
    _tree(tmp_path / "a")
    _tree(tmp_path / "b", png=b"\x89PNG2", claims="C1 differs\n")
    (tmp_path / "b" / "figures" / "new.png").write_bytes(b"x")
    assert differences(tmp_path / "a", tmp_path / "b") == [
        "only in " + str(tmp_path / "b") + ": figures/new.png",
        "differs: claims.md",
        "differs: figures/a.png",
    ]

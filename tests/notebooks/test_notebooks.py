"""The notebooks: one tagged parameters cell, committed clean, and runnable under papermill."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
OWNED = ("packets.ipynb", "measure.ipynb", "figures.ipynb", "claims.ipynb")


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def parameters(nb) -> dict[str, tuple[str, object]]:
    """name -> (annotation, default) of the parameters cell."""
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    out = {}
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.AnnAssign), "parameters are typed: name: type = default"
        out[node.target.id] = (ast.unparse(node.annotation), ast.literal_eval(node.value))
    return out


@pytest.mark.parametrize("name", OWNED)
def test_notebook_is_clean_typed_and_python3(name):
    nb = load(name)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit without outputs"
    params = parameters(nb)
    assert "output_dir" in params
    for annotation, default in params.values():
        assert type(default).__name__ == annotation


def test_defaults_are_the_papers_settings():
    packets = parameters(load("packets.ipynb"))
    assert packets["trace_size"][1] == 196  # IOAM encap trigger on x86_64 + i40e (C4)
    assert packets["segments"][1] == 13  # SRv6 encap trigger (C2, C5)
    assert packets["frame_size"][1] == 1514
    measure = parameters(load("measure.ipynb"))
    assert measure["campaign"][1] == "paper"
    assert measure["dry_run"][1] is True


def run(name: str, tmp_path: Path, **params) -> Path:
    out = tmp_path / "out"
    executed = tmp_path / f"executed-{name}"
    papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(executed),
        parameters={"output_dir": str(out), **params},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOKS),
    )
    return out


def written(out: Path) -> list[Path]:
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert files, f"nothing written under {out}"
    for f in files:
        assert f.stat().st_size > 0, f
    return files


def test_figures_notebook(paper_like_data, tmp_path):
    out = run("figures.ipynb", tmp_path, data_dir=str(paper_like_data))
    names = {p.name for p in written(out)}
    assert {"srv6_rate_vs_segments.pdf", "srv6_rate_vs_segments.png", "figures.md"} <= names
    index = json.loads((out / "figures.json").read_text())
    assert {i["status"] for i in index} == {"written", "not available"}


def test_claims_notebook(paper_like_data, tmp_path):
    out = run("claims.ipynb", tmp_path, data_dir=str(paper_like_data))
    assert {p.name for p in written(out)} == {"claims.md", "claims.json"}


def test_packets_notebook_small(tmp_path):
    out = run("packets.ipynb", tmp_path, trace_size=8, segments=2, frame_size=128)
    assert {p.name for p in written(out)} == {"overheads.csv", "headers.pcap"}
    text = (out / "overheads.csv").read_text()
    assert "ioam6 inline,24" in text  # ALIGN(16 + 8, 8)
    assert "seg6 encap,80" in text  # 40 + 8 + 16 * 2


def test_measure_notebook_dry_run(tmp_path):
    out = run("measure.ipynb", tmp_path, campaign="quick")
    assert {p.name for p in written(out)} == {"plan.csv"}
    assert not (out / "data").exists()

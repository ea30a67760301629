"""The model notebook (papermill) and the model figures."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill
import pytest

from lwtbench.errors import ParameterError
from lwtbench.figures import headroom

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "model.ipynb"


def test_notebook_is_committed_clean_with_one_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = {n.target.id for n in ast.parse(tagged[0].source).body}
    assert names == {"protocol", "mode", "platforms", "output_dir"}
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None


def test_model_figures_are_written(tmp_path):
    paths = headroom.make_model_figures(tmp_path, "ioam6", "inline", ["x86_64/i40e", "um/vector"])
    names = {p.name for p in paths}
    assert {"model_worked_example.png", "model_trigger_map_ioam6_inline.pdf"} <= names
    assert all(p.stat().st_size > 0 for p in paths)
    table = (tmp_path / "model_trigger_table_vanilla.csv").read_text()
    assert table.startswith("# model prediction")
    assert "x86_64/i40e,206,64,vanilla,ioam6,inline,trace_size,236 240" in table
    with pytest.raises(ParameterError):
        headroom.protocol_modes("ioam6", "l2encap")


@pytest.mark.slow
def test_notebook_runs_under_papermill(tmp_path):
    out = tmp_path / "figures"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "model.ipynb"),
        parameters={"output_dir": str(out), "protocol": "seg6", "mode": "encap"},
        progress_bar=False,
    )
    for name in (
        "model_worked_example.pdf",
        "model_worked_example.png",
        "model_trigger_map_seg6_encap.png",
        "model_trigger_table_vanilla.csv",
        "model_trigger_table_debian-6.12.md",
    ):
        assert (out / name).stat().st_size > 0, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "model.ipynb"]

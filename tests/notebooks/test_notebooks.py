"""The notebooks: one tagged parameters cell with help papermill shows, committed clean, paths
taken from the repository whatever the working directory, parameters checked as the command
line checks them, and each one runnable under papermill from the clone's top and from
``notebooks/`` (JupyterLab's working directory)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from lwtbench.analysis.notebooks import REPOSITORY, data_folder, repo_path
from lwtbench.errors import InputFileError, ParameterError
from lwtbench.packets.ioam6 import check_trace_size

TOP = Path(__file__).resolve().parents[2]
NOTEBOOKS = TOP / "notebooks"
ALL = ("packets.ipynb", "measure.ipynb", "figures.ipynb", "claims.ipynb", "model.ipynb")
# Cheap parameters for the runs from two working directories (the defaults are the paper's).
QUICK = {
    "packets.ipynb": {"trace_size": 8, "segments": 2, "frame_size": 128},
    "measure.ipynb": {"campaign": "quick"},
    "figures.ipynb": {},
    "claims.ipynb": {},
    "model.ipynb": {"protocol": "seg6", "mode": "encap", "platforms": "x86_64/i40e,um/tun"},
}


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


@pytest.mark.parametrize("name", ALL)
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


@pytest.mark.parametrize("name", ALL)
def test_papermill_shows_help_for_every_parameter(name):
    """papermill --help-notebook reads a same-line comment as the help, and skips a parameter
    whose annotation it cannot parse (``list[str] | None``): every one must come out."""
    inspected = papermill.inspect_notebook(str(NOTEBOOKS / name))
    assert set(inspected) == set(parameters(load(name)))
    for pname, p in inspected.items():
        assert len(p["help"]) > 15, f"{name}: parameter {pname} has no help"
    shown = subprocess.run(
        [
            str(Path(sys.executable).with_name("papermill")),
            "--help-notebook",
            str(NOTEBOOKS / name),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0
    for pname, p in inspected.items():
        assert pname in shown.stdout and p["help"][:30] in shown.stdout


def test_defaults_are_the_papers_settings_and_repository_paths():
    packets = parameters(load("packets.ipynb"))
    assert packets["trace_size"][1] == 196  # IOAM encap trigger on x86_64 + i40e (C4)
    assert packets["segments"][1] == 13  # SRv6 encap trigger (C2, C5)
    assert packets["frame_size"][1] == 1514
    measure = parameters(load("measure.ipynb"))
    assert measure["campaign"][1] == "paper"
    assert measure["dry_run"][1] is True
    for name in ALL:
        params = parameters(load(name))
        assert params["output_dir"][1].split("/")[0] == "out", name
        if "data_dir" in params:
            assert params["data_dir"][1] == "data", name


def test_paths_are_taken_from_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert repo_path("data") == REPOSITORY / "data" == TOP / "data"
    assert repo_path(tmp_path / "x") == tmp_path / "x"
    assert data_folder("data") == TOP / "data"
    with pytest.raises(InputFileError, match=r"no-such-data: data_dir: no such folder"):
        data_folder("no-such-data")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="holds no run"):
        data_folder(tmp_path / "empty")


def run(name: str, out: Path, cwd: Path, **params) -> Path:
    executed = out.parent / f"executed-{out.name}-{name}"
    papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(executed),
        parameters={"output_dir": str(out), **params},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(cwd),
    )
    return executed


def failure(name: str, tmp_path: Path, **params) -> papermill.PapermillExecutionError:
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run(name, tmp_path / "out", TOP, **params)
    return info.value


def written(out: Path) -> list[Path]:
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert files, f"nothing written under {out}"
    for f in files:
        assert f.stat().st_size > 0, f
    return files


@pytest.mark.slow
@pytest.mark.parametrize("where", ["top", "notebooks"])
@pytest.mark.parametrize("name", ALL)
def test_every_notebook_runs_from_the_top_and_from_notebooks(name, where, tmp_path):
    """The README's way (papermill from the clone's top) and JupyterLab's (cwd notebooks/),
    with the default data_dir ("data", the shipped runs)."""
    cwd = TOP if where == "top" else NOTEBOOKS
    out = tmp_path / "out"
    run(name, out, cwd, **QUICK[name])
    names = {p.name for p in written(out)}
    if name == "figures.ipynb":
        index = json.loads((out / "figures.json").read_text())
        assert "written" in {i["status"] for i in index}, "the shipped data drew no figure"
        assert "srv6_rate_vs_segments.png" in names
    elif name == "claims.ipynb":
        assert names == {"claims.md", "claims.json"}
        verdicts = {c["verdict"] for c in json.loads((out / "claims.json").read_text())["claims"]}
        assert verdicts - {"not available"}, "every claim 'not available': data not found"
    elif name == "model.ipynb":
        assert "model_trigger_map_seg6_encap.png" in names
    elif name == "measure.ipynb":
        assert names == {"plan.csv"}
    else:
        assert "overheads.csv" in names and "seg6_encap.pcap" in names


@pytest.mark.slow
def test_relative_output_dir_lands_in_the_repository_from_notebooks(tmp_path):
    relative = f"out/test-notebooks-{os.getpid()}"
    target = TOP / relative
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS / "packets.ipynb"),
            str(tmp_path / "executed.ipynb"),
            parameters={"output_dir": relative, **QUICK["packets.ipynb"]},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(NOTEBOOKS),
        )
        assert (target / "overheads.csv").is_file()
        assert not (NOTEBOOKS / relative).exists()
    finally:
        shutil.rmtree(target, ignore_errors=True)


def test_a_missing_data_dir_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nowhere"
    for name in ("figures.ipynb", "claims.ipynb"):
        err = failure(name, tmp_path, data_dir=str(missing))
        assert err.ename == "InputFileError"
        assert str(missing) in err.evalue and "data_dir" in err.evalue
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("trace_size", [197, 246])
def test_packets_refuses_a_bad_trace_size_with_the_command_lines_message(trace_size, tmp_path):
    err = failure("packets.ipynb", tmp_path, trace_size=trace_size)
    with pytest.raises(ParameterError) as cli:
        check_trace_size(trace_size)  # what `lwtbench packets ... --trace-size` calls
    assert err.ename == "ParameterError"
    assert err.evalue == str(cli.value)
    assert not (tmp_path / "out").exists(), "nothing written before the parameters are checked"


def test_model_refuses_an_unknown_platform_and_mode(tmp_path):
    err = failure("model.ipynb", tmp_path, platforms="x86_64/e1000")
    assert err.ename == "UnknownPlatformError" and "e1000" in err.evalue
    err = failure("model.ipynb", tmp_path, protocol="seg6", mode="bogus")
    assert err.ename == "ParameterError" and "bogus" in err.evalue


TSHARK_FIELDS = ["frame.len", "_ws.expert", "_ws.malformed", "ipv6.nxt", "ipv6.routing.segleft",
                 "ipv6.opt.ioam.trace.remlen", "udp.length"]  # fmt: skip


def dissect(tshark: str, pcap: Path) -> list[dict[str, str]]:
    cmd = [tshark, "-r", str(pcap), "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [dict(zip(TSHARK_FIELDS, line.split("\t"), strict=True)) for line in out.splitlines()]


@pytest.mark.slow
def test_packets_writes_full_frames_tshark_dissects_cleanly(tshark, tmp_path):
    out = tmp_path / "out"
    run("packets.ipynb", out, TOP, trace_size=196, segments=13, frame_size=300)
    overheads = (out / "overheads.csv").read_text().splitlines()
    assert overheads[0] == "route,inserted_bytes,input_frame_bytes,output_frame_bytes"
    assert "ioam6 encap,256,300,556" in overheads  # 40 + 8 + ALIGN(16 + 196, 8) = 256
    assert "seg6 encap,256,300,556" in overheads  # 40 + 8 + 16 * 13 = 256
    pcaps = sorted(out.glob("*.pcap"))
    assert [p.stem for p in pcaps] == sorted(
        ["ioam6_inline", "ioam6_encap", "seg6_encap", "seg6_encap_red", "seg6_inline"]
    )
    for pcap in pcaps:
        frames = dissect(tshark, pcap)
        assert len(frames) == 2, pcap  # input, expected output
        for f in frames:
            assert f["_ws.expert"] == "" and f["_ws.malformed"] == "", (pcap, f)
            assert f["udp.length"], f"{pcap}: tshark did not reach the UDP payload: {f}"
        assert frames[0]["frame.len"] == "300"
        assert int(frames[1]["frame.len"]) > 300
    ioam = dissect(tshark, out / "ioam6_encap.pcap")[1]
    assert ioam["ipv6.opt.ioam.trace.remlen"] == str(196 // 4)
    srh = dissect(tshark, out / "seg6_encap.pcap")[1]
    assert srh["ipv6.routing.segleft"] == "12"


def test_the_tshark_check_would_catch_bare_headers(tshark, tmp_path):
    """What packets.ipynb used to write: extension headers alone under an Ethernet link type."""
    from scapy.utils import wrpcap

    from lwtbench.packets.srv6 import seg6_srh

    bad = tmp_path / "bare.pcap"
    wrpcap(str(bad), [seg6_srh("encap", ("2001:db8::1", "2001:db8::2"))])
    (frame,) = dissect(tshark, bad)
    assert frame["udp.length"] == "" or frame["_ws.malformed"] or frame["_ws.expert"]


def test_jupyter_checkpoints_are_ignored():
    proc = subprocess.run(
        ["git", "check-ignore", "-q", "notebooks/.ipynb_checkpoints/model-checkpoint.ipynb"],
        cwd=TOP,
        check=False,
    )
    assert proc.returncode == 0, ".ipynb_checkpoints/ is not in .gitignore"


def test_model_notebook_offers_the_explorer():
    sources = [c.source for c in load("model.ipynb").cells if c.cell_type == "code"]
    assert any(s.strip() == "explorer().form" for s in sources)
    assert all("matplotlib.use" not in s for n in ALL for s in [c.source for c in load(n).cells])

"""``lwtbench claims`` and ``lwtbench figures`` as a reviewer runs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from lwtbench.analysis.notebooks import NOTEBOOKS_DIR
from lwtbench.cli import main


def test_claims_prints_a_text_table_and_json(paper_like_data, capsys):
    assert main(["claims", "--data", str(paper_like_data)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("C1 ")
    assert "C8 " in text
    assert main(["claims", "--data", str(paper_like_data), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ids = [r["id"] for r in doc["claims"]]
    assert ids[:6] == [f"C{i}" for i in range(1, 7)] and "C8" in ids
    assert any(i.startswith("C7 · ") for i in ids) and any(i.startswith("F1 · ") for i in ids)
    assert all(r["parts"] and r["marks"] for r in doc["claims"])


def test_claims_on_a_corrupt_run_names_the_file(tmp_path, capsys):
    run = tmp_path / "c" / "r"
    run.mkdir(parents=True)
    (run / "run.json").write_text("{not json")
    assert main(["claims", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "run.json: not valid JSON" in err


def test_figures_command_writes_figures_claims_and_executed_notebooks(paper_like_data, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lwtbench",
            "figures",
            "--data",
            str(paper_like_data),
            "--output-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"outputs in {out}/" in proc.stdout
    assert re.search(r"C5 +reproduced +paper: ", proc.stdout)
    assert "parts: where ✓" in proc.stdout
    assert "rpl_rate_per_address_set: not available: needs rate searches of rpl" in proc.stdout
    for name in ("srv6_rate_vs_segments", "reallocs_measured_vs_model"):
        for ext in ("pdf", "png"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 1000
    assert "| claim | paper | ours | parts | verdict |" in (out / "claims.md").read_text()
    assert len(json.loads((out / "claims.json").read_text())["claims"]) >= 9
    for nb in ("figures.ipynb", "claims.ipynb"):
        executed = json.loads((out / "notebooks" / nb).read_text())
        assert not executed["metadata"]["papermill"]["exception"]
    # the progress display and the kernels' own stderr stay off stdout
    assert "IPKernelApp" not in proc.stdout
    if (NOTEBOOKS_DIR / "model.ipynb").is_file():  # the headroom model's notebook runs too
        assert "model.ipynb" not in proc.stdout  # (listed only when absent)
        assert any(p.stat().st_size > 1000 for p in (out / "model").glob("*.png"))


def test_a_data_folder_that_does_not_exist_is_an_error_not_an_empty_table(tmp_path, capsys):
    assert main(["claims", "--data", str(tmp_path / "nope")]) == 2
    assert "nope: no such folder; give the folder holding" in capsys.readouterr().err
    assert main(["figures", "--data", str(tmp_path / "nope"), "--output-dir", str(tmp_path)]) == 2

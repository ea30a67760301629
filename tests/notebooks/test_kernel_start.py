"""A kernel that exits before it answers is started again, a few times at most, by the real
papermill and jupyter_client: the kernel here is a real ipykernel behind a launcher that exits
on its first starts (a kernelspec named like the project's, found first on JUPYTER_PATH)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from lwtbench.analysis.notebooks import KERNEL_NAME, KERNEL_STARTS, execute


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 6 * 7\nprint(x)")]
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "n.ipynb"
    nbformat.write(nb, path)
    return path


def _dying_kernel(folder: Path, deaths: int) -> Path:
    """A kernelspec whose launcher exits ``deaths`` times, then runs ipykernel."""
    spec = folder / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    count = folder / "starts"
    launcher = spec / "launch.sh"
    launcher.write_text(
        "#!/bin/sh\n"
        f'echo start >> "{count}"\n'
        f'[ "$(wc -l < "{count}")" -le {deaths} ] && exit 1\n'
        f'exec "{sys.executable}" -m ipykernel_launcher -f "$1"\n'
    )
    launcher.chmod(0o755)
    argv = [str(launcher), "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "language": "python", "display_name": "Python 3"})
    )
    return count


@pytest.mark.slow
@pytest.mark.parametrize("deaths", [KERNEL_STARTS - 1, KERNEL_STARTS])
def test_a_kernel_that_dies_at_start_is_started_again(tmp_path, monkeypatch, capsys, deaths):
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    count = _dying_kernel(tmp_path, deaths)
    notebook, executed = _notebook(tmp_path), tmp_path / "out" / "n.ipynb"
    if deaths < KERNEL_STARTS:
        run = execute(notebook, executed, {})
        assert run.error == ""
        assert "42" in executed.read_text()
        assert count.read_text().count("start") == deaths + 1
        assert capsys.readouterr().err.count("the kernel exited before it answered") == deaths
    else:
        with pytest.raises(RuntimeError, match="Kernel died before replying"):
            execute(notebook, executed, {})
        assert count.read_text().count("start") == KERNEL_STARTS

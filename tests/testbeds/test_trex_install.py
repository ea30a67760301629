"""TRex as a managed dependency: source checks, export from a git directory with missing
blobs, the cache key, and the choice of install (no TRex build needed: small fake trees)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lwtbench.cli import main
from lwtbench.errors import InputFileError
from lwtbench.testbeds.trex import install


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LWTBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(install.INSTALL_ENV, raising=False)
    return tmp_path / "cache"


def fake_source(root: Path) -> Path:
    (root / "linux_dpdk").mkdir(parents=True)
    (root / "linux_dpdk" / "b").write_text("#!/bin/sh\n")
    (root / "VERSION").write_text("v9.99\n")
    (root / "doc").mkdir()
    (root / "doc" / "drawing.vsd").write_bytes(b"not in the snapshot")
    return root


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_work_tree_is_read_and_bad_paths_name_the_fix(tmp_path):
    src = install.read_source(fake_source(tmp_path / "trex-core"))
    assert (src.version, src.commit) == ("v9.99", None)
    with pytest.raises(InputFileError, match=r"not a trex-core source.*git clone"):
        install.read_source(tmp_path)


def test_export_from_a_git_dir_leaves_out_missing_blobs(tmp_path):
    repo = fake_source(tmp_path / "repo")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    blob = git(repo, "rev-parse", "HEAD:doc/drawing.vsd")
    # A public snapshot can lack blobs: remove this one from the object store.
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    src = install.read_source(repo / ".git")
    assert src.version == "v9.99" and len(src.commit or "") == 40
    left_out = install.export_source(src, tmp_path / "out")
    assert left_out == ["doc/drawing.vsd"]
    assert (tmp_path / "out" / "linux_dpdk" / "b").is_file()
    assert not (tmp_path / "out" / "doc" / "drawing.vsd").exists()


def test_build_key_follows_version_and_cpu():
    cpu = {"model": "AMD EPYC", "machine": "x86_64", "flags_sha256": "0" * 64}
    other = {**cpu, "flags_sha256": "1" * 64}
    assert install.build_key("v3.08", cpu).startswith("v3.08-")
    assert install.build_key("v3.08", cpu) != install.build_key("v3.08", other)
    assert install.build_key("v3.08", cpu) != install.build_key("v3.09", cpu)
    assert len(install.cpu_identity()["flags_sha256"]) == 64


def fake_install(root: Path) -> Path:
    api = root / "automation" / "trex_control_plane" / "interactive" / "trex" / "stl"
    api.mkdir(parents=True)
    (api / "api.py").write_text("")
    for name in ("t-rex-64", "_t-rex-64"):
        (root / name).write_text("")
    return root


def test_use_records_the_install_and_show_finds_it(cache, tmp_path, capsys):
    assert main(["trex", "show"]) == 1
    release = fake_install(tmp_path / "v3.08")
    assert main(["trex", "use", str(release)]) == 0
    assert json.loads((cache / "trex" / "use.json").read_text())["version"] == "v3.08"
    capsys.readouterr()
    assert main(["trex", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["path"], shown["origin"]) == (str(release), "release")
    assert main(["trex", "use", str(tmp_path)]) == 2  # not an install: one clear error


def test_a_build_for_another_cpu_is_not_used(cache, tmp_path):
    build = cache / "trex" / "v3.08-0123456789ab"
    fake_install(build / "src" / "scripts")
    facts = {"version": "v3.08", "cpu_key": "0123456789ab", "built_at": "2026-01-01"}
    (build / "trex.json").write_text(json.dumps(facts))
    assert [b.version for b in install.list_builds()] == ["v3.08"]
    assert install.find_trex() is None
    facts["cpu_key"] = install.cpu_key()
    (build / "trex.json").write_text(json.dumps(facts))
    found = install.find_trex()
    assert found is not None and found.origin == "built"
    assert found.path == build / "src" / "scripts"


def test_a_full_build_is_preferred_to_a_newer_veth_build(cache):
    mine = install.cpu_key()
    for key, facts in (
        (f"v3.08-{mine}", {"built_at": "2026-01-01"}),  # written before profiles: full
        (f"v3.08-{mine}-veth", {"built_at": "2026-06-01", "profile": "veth"}),
    ):
        fake_install(cache / "trex" / key / "src" / "scripts")
        facts |= {"version": "v3.08", "cpu_key": mine}
        (cache / "trex" / key / "trex.json").write_text(json.dumps(facts))
    found = install.find_trex()
    assert found is not None and found.path.parts[-3] == f"v3.08-{mine}"
    assert install.build_key("v3.08", profile="veth") == f"v3.08-{mine}-veth"
    assert install.build_key("v3.08") == f"v3.08-{mine}"


WS_MAIN = """dpdk_src = SrcGroup(dir='src/dpdk/',
        src_list=[
                 'drivers/net/af_packet/rte_eth_af_packet.c',
                 #bnxt
                 'drivers/net/bnxt/bnxt_cpr.c',
                 'drivers/net/bnxt/tf_core/tf_core.c',
                'drivers/net/intel/ice/ice_ethdev.c',
                 'drivers/net/intel/i40e/i40e_ethdev.c',
                 ])
includes_path = ['../src/dpdk/drivers/net/bnxt/']
"""


def test_veth_profile_leaves_out_driver_sources_and_nothing_else(tmp_path):
    ws_main = tmp_path / "ws_main.py"
    ws_main.write_text(WS_MAIN)
    removed = install.leave_out_sources(ws_main, ("drivers/net/bnxt/", "drivers/net/intel/ice/"))
    assert removed == {"drivers/net/bnxt/": 2, "drivers/net/intel/ice/": 1}
    text = ws_main.read_text()
    assert "bnxt_cpr" not in text and "ice_ethdev" not in text
    assert "rte_eth_af_packet.c" in text and "i40e_ethdev.c" in text
    assert "includes_path = ['../src/dpdk/drivers/net/bnxt/']" in text  # not a source line
    # A folder the file does not list: the layout is not v3.08's; say so, change nothing.
    ws_main.write_text(WS_MAIN)
    with pytest.raises(install.TrexInstallError, match=r"drivers/net/ena/.*--profile full"):
        install.leave_out_sources(ws_main, ("drivers/net/bnxt/", "drivers/net/ena/"))
    assert ws_main.read_text() == WS_MAIN
    assert install.leave_out_sources(ws_main, ()) == {}
    assert "veth" in install.PROFILES and not install.PROFILES["full"].left_out


def test_an_unknown_profile_is_refused_before_anything_is_built(cache, tmp_path, capsys):
    source = fake_source(tmp_path / "trex-core")
    with pytest.raises(InputFileError, match="one of full, veth"):
        install.build_trex(source, profile="tiny")
    assert not (cache / "trex").exists()
    with pytest.raises(SystemExit) as exited:  # argparse's choices
        main(["trex", "build", "--source", str(source), "--profile", "tiny"])
    assert exited.value.code == 2 and "choose from 'full', 'veth'" in capsys.readouterr().err


def test_build_without_a_source_names_the_variable(cache, monkeypatch, capsys):
    monkeypatch.delenv(install.SOURCE_ENV, raising=False)
    assert main(["trex", "build"]) == 2
    assert install.SOURCE_ENV in capsys.readouterr().err


def test_trex_lab_preflight_names_a_missing_server(cache, tmp_path):
    from lwtbench.testbeds.preflight import preflight_checks

    testbed = tmp_path / "t.yaml"
    testbed.write_text("kind: trex_lab\nvariants: [vanilla]\n")
    checks = {c.name: c for c in preflight_checks(testbed)}
    server = checks["TRex server"]
    assert not server.ok and "lwtbench trex build --source DIR" in server.detail
    assert "kernel vanilla/timing" in checks  # the lab's own checks come along
    release = fake_install(tmp_path / "v3.08")
    install.use_trex(release)
    assert {c.name: c for c in preflight_checks(testbed)}["TRex server"].ok

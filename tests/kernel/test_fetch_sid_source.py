"""env/fetch_sid_kernel_source.py: the mirror comes from the system's apt sources; apt's
lists, cache and sources for sid stay private."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from lwtbench.kernel.variants import DEBIAN_7_2, REPO_ROOT

SCRIPT = REPO_ROOT / "env" / "fetch_sid_kernel_source.py"


@pytest.fixture
def fetch(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("fetch_sid_kernel_source", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "APT_SOURCES", tmp_path / "sources.list")
    monkeypatch.setattr(module, "APT_SOURCES_D", tmp_path / "sources.list.d")
    (tmp_path / "sources.list.d").mkdir()
    return module


def test_the_main_archive_is_taken_from_deb822_sources(fetch, tmp_path):
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n"
        "URIs: http://mirror.example/debian-security\n"
        "Suites: bookworm-security\n"
        "Components: main\n"
        "Signed-By: /k/security.gpg\n"
        "\n"
        "Types: deb deb-src\n"
        "# a comment inside the stanza\n"
        "URIs: http://mirror.example/debian/\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main contrib\n"
        "Signed-By: /k/archive.gpg\n"
    )
    assert fetch.debian_mirror() == ("http://mirror.example/debian", "/k/archive.gpg")


def test_one_line_sources_and_their_options(fetch, tmp_path):
    (tmp_path / "sources.list").write_text(
        "# deb http://old.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k/a.gpg] http://m.example/debian bookworm main\n"
    )
    assert fetch.debian_mirror() == ("http://m.example/debian", "/k/a.gpg")


def test_no_debian_archive_is_one_clear_error(fetch, tmp_path):
    (tmp_path / "sources.list.d" / "other.sources").write_text(
        "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n"
        "Components: main\n"
    )
    with pytest.raises(fetch.FetchError, match="no Debian archive"):
        fetch.debian_mirror()


def test_apt_options_keep_every_list_and_cache_private(fetch, tmp_path):
    opts = fetch.apt_options(tmp_path)
    values = dict(o.split("=", 1) for o in opts if "=" in o)
    for key in ("Dir::Etc::SourceList", "Dir::Etc::SourceParts", "Dir::State::Lists", "Dir::Cache"):
        assert values[key].startswith(str(tmp_path)), key


def test_the_source_the_variant_needs_is_installed_and_sid_stays_out():
    """env/setup.sh ran the script: the tarball is there, --check agrees, and the system's
    own sources name no sid suite."""
    check = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    assert DEBIAN_7_2.tarball.is_file()
    spec = importlib.util.spec_from_file_location("fetch_system", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    suites = {suite for _, suite, _ in module.system_debian_sources()}
    assert suites and not suites & {"sid", "unstable"}

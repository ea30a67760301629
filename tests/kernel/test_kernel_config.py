"""Config generation and cache keys of the kernel builds (no compiling here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lwtbench.errors import InputFileError, ParameterError
from lwtbench.kernel import build
from lwtbench.kernel.deb import deb_fragments
from lwtbench.kernel.variants import VARIANT_NAMES, get_variant


def test_requested_options_reads_values_and_not_set_lines():
    text = '# comment\nCONFIG_A=y\nCONFIG_B="x y"\n# CONFIG_C is not set\nnot an option\n'
    assert build.requested_options(text) == {"CONFIG_A": "y", "CONFIG_B": '"x y"', "CONFIG_C": None}


def test_check_config_names_every_option_kconfig_dropped(tmp_path):
    config = tmp_path / ".config"
    config.write_text("CONFIG_A=y\n# CONFIG_B is not set\n")
    build.check_config(config, {"CONFIG_A": "y", "CONFIG_B": None, "CONFIG_Z": None})
    with pytest.raises(InputFileError, match=r"CONFIG_B: wanted y, got not set"):
        build.check_config(config, {"CONFIG_A": "y", "CONFIG_B": "y"})
    # a string option kconfig does not offer at all is fine (absent = nothing to override)
    build.check_config(config, {"CONFIG_KEYS": '""'})
    with pytest.raises(InputFileError, match="CONFIG_A"):
        build.check_config(config, {"CONFIG_A": '"x"'})


def test_uml_fragment_asks_for_everything_the_lab_needs():
    wanted = build.requested_options(build.uml_fragments("counting")[0].read_text())
    for option in (
        "IPV6",
        "LWTUNNEL",
        "IPV6_IOAM6_LWTUNNEL",
        "IPV6_SEG6_LWTUNNEL",
        "IPV6_RPL_LWTUNNEL",
        "VETH",
        "NET_NS",
        "NET_PKTGEN",
        "TUN",
        "UML_NET_VECTOR",
        "HOSTFS",
        "MAGIC_SYSRQ",
        "DEBUG_FS",
    ):
        assert wanted[f"CONFIG_{option}"] == "y", option  # built in: no modules inside UML
    counting = build.requested_options(build.uml_fragments("counting")[1].read_text())
    timing = build.requested_options(build.uml_fragments("timing")[1].read_text())
    assert counting["CONFIG_GCOV_KERNEL"] == "y"
    assert counting["CONFIG_GCOV_PROFILE_ALL"] is None
    assert timing["CONFIG_GCOV_KERNEL"] is None


def test_every_variant_names_itself_in_its_release():
    releases = {get_variant(name).release for name in VARIANT_NAMES}
    assert releases == {
        "6.12.117-lwtb-vanilla",
        "6.12.117-lwtb-debian-6.12",
        "6.12.117-lwtb-fixed",
        "6.1.192-lwtb-debian-6.1",
        "6.12.117-lwtb-as-merged",
        "7.2.13-lwtb-debian-7.2",
    }
    vanilla = get_variant("vanilla")
    assert build.localversion(vanilla, "timing") == "-lwtb-vanilla-timing"
    # the suffix reaches make, not the config: autoconf.h stays the same for every variant
    assert build.localversion_make_arg(vanilla, "counting") == "LOCALVERSION=-lwtb-vanilla"
    assert 'CONFIG_LOCALVERSION=""' in build.UML_LOCALVERSION_FRAGMENT
    assert 'CONFIG_LOCALVERSION="-lwtb-fixed"' in deb_fragments(get_variant("fixed"), None)[-1]


def test_deb_fragment_turns_on_the_tunnels_debian_leaves_off():
    # on a full base (Debian's own config) only deb.config and the LOCALVERSION are added
    full = deb_fragments(get_variant("vanilla"), Path("debian.config"))
    assert len(full) == 2
    wanted = build.requested_options(full[0])
    assert wanted["CONFIG_IPV6_IOAM6_LWTUNNEL"] == "y"
    assert wanted["CONFIG_IPV6_RPL_LWTUNNEL"] == "y"
    assert wanted["CONFIG_SYSTEM_TRUSTED_KEYS"] == '""'


def test_cache_key_changes_with_variant_flavour_and_fragment(tmp_path, monkeypatch):
    keys = {build.uml_key(get_variant(v), f, "1")[0] for v in VARIANT_NAMES for f in build.FLAVOURS}
    assert len(keys) == 2 * len(VARIANT_NAMES)
    key, _ = build.uml_key(get_variant("vanilla"), "counting", "1")
    for frag in build.uml_fragments("counting"):
        (tmp_path / frag.name).write_text(frag.read_text() + "CONFIG_DUMMY=y\n")
    monkeypatch.setattr(build, "ENV_KERNEL_DIR", tmp_path)
    assert build.uml_key(get_variant("vanilla"), "counting", "1")[0] != key


def test_cache_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LWTBENCH_CACHE", str(tmp_path))
    assert build.cache_root() == tmp_path
    assert build.list_kernels() == []


def test_unknown_variant_and_flavour_say_what_is_allowed():
    with pytest.raises(ParameterError, match=r"vanilla, debian-6\.12, fixed, debian-6\.1"):
        get_variant("patched")
    with pytest.raises(ParameterError, match="counting, timing"):
        build.uml_fragments("fast")


def test_unpack_refuses_a_tarball_of_another_release(tmp_path):
    import subprocess

    from lwtbench.kernel.source import unpack_source
    from lwtbench.kernel.variants import SourcePackage

    top = tmp_path / "linux-source-6.12"
    top.mkdir()
    (top / "Makefile").write_text("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 118\nEXTRAVERSION =\n")
    tarball = tmp_path / "linux-source-6.12.tar.xz"
    subprocess.run(["tar", "-cJf", str(tarball), "-C", str(tmp_path), top.name], check=True)
    package = SourcePackage("linux-source-6.12", tarball, "6.12.117")
    with pytest.raises(InputFileError, match=r"holds kernel 6\.12\.118, expected 6\.12\.117"):
        unpack_source(package, tmp_path / "tree")
    missing = SourcePackage("linux-source-6.12", tmp_path / "none.tar.xz", "6.12.117")
    with pytest.raises(InputFileError, match=r"apt-get install linux-source-6\.12"):
        unpack_source(missing, tmp_path / "tree2")


def test_deb_cache_key_follows_options_not_comments(tmp_path, monkeypatch):
    from lwtbench.kernel import deb

    vanilla = get_variant("vanilla")
    key, inputs = deb.deb_key(vanilla, None)
    assert key.startswith("6.12.117-vanilla-deb-") and inputs["target"] == "deb"
    text = deb.DUT_FRAGMENT.read_text()
    commented = tmp_path / "commented.config"
    commented.write_text("# a note on why\n" + text)
    monkeypatch.setattr(deb, "DUT_FRAGMENT", commented)
    assert deb.deb_key(vanilla, None)[0] == key
    changed = tmp_path / "changed.config"
    changed.write_text(text + "CONFIG_IGC=m\n")
    monkeypatch.setattr(deb, "DUT_FRAGMENT", changed)
    assert deb.deb_key(vanilla, None)[0] != key
    assert deb.deb_key(get_variant("fixed"), None)[0] != key

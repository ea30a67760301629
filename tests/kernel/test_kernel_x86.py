"""Each variant's touched objects compile for x86_64 (a DUT kernel), without warnings.

The first run on a machine unpacks and prepares one tree per Debian source in the cache (about
a minute each on 2 cores); after that each variant takes seconds.
"""

from __future__ import annotations

import pytest

from lwtbench.kernel.deb import compile_touched_objects
from lwtbench.kernel.variants import VARIANT_NAMES


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_touched_objects_compile_for_x86_64(variant):
    check = compile_touched_objects(variant)
    assert check.objects == (
        "net/ipv6/ioam6_iptunnel.o",
        "net/ipv6/seg6_iptunnel.o",
        "net/ipv6/rpl_iptunnel.o",
    )
    assert check.warnings == ()


def _shared_tree(variant):
    """The prepared x86_64 tree of the variant's Debian source (made by the compile check)."""
    from lwtbench.kernel.build import cache_root

    compile_touched_objects(variant.name)
    return cache_root() / "build" / f"x86-check-{variant.source.package}" / "src"


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("variant", ["vanilla", "debian-6.1"])
def test_default_deb_config_is_defconfig_plus_the_dut_fragment(variant, tmp_path):
    """With no base given, the DUT config comes from the source alone, never from /boot."""
    from lwtbench.kernel.build import requested_options
    from lwtbench.kernel.deb import resolve_base_config, write_deb_config
    from lwtbench.kernel.variants import get_variant

    v = get_variant(variant)
    src = _shared_tree(v)
    config = write_deb_config(v, src, tmp_path / "obj", resolve_base_config(None), tmp_path / "log")
    final = requested_options(config.read_text())
    assert final["CONFIG_LOCALVERSION"] == f'"-lwtb-{variant}"'
    wanted = {
        # the tunnels under test and the software generator (deb.config)
        "IPV6_IOAM6_LWTUNNEL": "y",
        "IPV6_RPL_LWTUNNEL": "y",
        "IPV6_SEG6_LWTUNNEL": "y",
        "NET_PKTGEN": "m",
        # the probe (dut.config): function tracer, kprobes, netns + veth
        "FUNCTION_TRACER": "y",
        "KPROBE_EVENTS": "y",
        "NET_NS": "y",
        "VETH": "y",
        # NICs (a VM's built in, servers' as modules) and disks
        "VIRTIO_NET": "y",
        "E1000E": "y",
        "I40E": "m",
        "IXGBE": "m",
        "VIRTIO_BLK": "y",
        "SCSI_VIRTIO": "y",
        "BLK_DEV_NVME": "y",
        "EXT4_FS": "y",
        "VFAT_FS": "y",
        "NF_TABLES": "m",
    }
    for option, value in wanted.items():
        assert final.get(f"CONFIG_{option}") == value, option
    # what x86_64_defconfig has and the trimmed DUT config leaves out
    for option in ("DRM", "DRM_I915", "SOUND", "CFG80211", "NF_CONNTRACK", "NFS_FS", "WERROR"):
        assert final.get(f"CONFIG_{option}") is None, option
    assert final.get("CONFIG_DEBUG_INFO_BTF") is None  # no debug info for the DUT build
    assert final.get("CONFIG_DEBUG_INFO_NONE") == "y"
    log = (tmp_path / "log").read_text()
    assert "defconfig" in log and "/boot" not in log


@pytest.mark.timeout(1800)
def test_deb_config_from_a_given_base_keeps_the_base_and_adds_the_fragment(tmp_path):
    """--base-config FILE: the file's options survive, deb.config's are added, dut.config not."""
    from lwtbench.kernel.build import requested_options
    from lwtbench.kernel.deb import resolve_base_config, write_deb_config
    from lwtbench.kernel.variants import get_variant

    v = get_variant("debian-6.1")
    src = _shared_tree(v)
    default = write_deb_config(v, src, tmp_path / "a", None, tmp_path / "log")
    # a full config unlike the default one: no veth, no function tracer, pktgen built in
    text = default.read_text()
    for option in ("VETH", "FUNCTION_TRACER"):
        text = text.replace(f"CONFIG_{option}=y", f"# CONFIG_{option} is not set")
    base = tmp_path / "full.config"
    base.write_text(text)
    config = write_deb_config(
        v, src, tmp_path / "b", resolve_base_config(str(base)), tmp_path / "log"
    )
    final = requested_options(config.read_text())
    assert "CONFIG_VETH" not in final or final["CONFIG_VETH"] is None
    assert final.get("CONFIG_FUNCTION_TRACER") is None
    assert final["CONFIG_IPV6_IOAM6_LWTUNNEL"] == "y"
    assert final["CONFIG_LOCALVERSION"] == '"-lwtb-debian-6.1"'


def test_a_missing_base_config_is_one_clear_error(tmp_path):
    from lwtbench.errors import InputFileError
    from lwtbench.kernel.deb import resolve_base_config

    with pytest.raises(InputFileError, match="no such kernel config file"):
        resolve_base_config(str(tmp_path / "nope.config"))

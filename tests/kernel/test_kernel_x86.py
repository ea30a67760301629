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


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("variant", ["vanilla", "debian-6.1"])
def test_deb_config_is_the_dut_config_plus_the_fragment(variant, tmp_path):
    from lwtbench.kernel.build import cache_root, requested_options
    from lwtbench.kernel.deb import default_base_config, write_deb_config
    from lwtbench.kernel.variants import get_variant

    v = get_variant(variant)
    compile_touched_objects(variant)  # prepares the shared tree of that Debian source
    src = cache_root() / "build" / f"x86-check-{v.source.package}" / "src"
    base = default_base_config(v)
    config = write_deb_config(v, src, tmp_path / "obj", base, tmp_path / "log")
    final = requested_options(config.read_text())
    assert final["CONFIG_LOCALVERSION"] == f'"-lwtb-{variant}"'
    for option in ("IPV6_IOAM6_LWTUNNEL", "IPV6_RPL_LWTUNNEL", "IPV6_SEG6_LWTUNNEL"):
        assert final[f"CONFIG_{option}"] == "y"
    assert final.get("CONFIG_DEBUG_INFO_BTF") is None  # no debug info for the DUT build

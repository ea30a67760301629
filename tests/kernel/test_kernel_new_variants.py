"""The series as merged (``as-merged``) and Debian's 7.2 (``debian-7.2``): what their code is.

No compiling here: the patch and the sources are read from Debian's tarballs, and the lab's
instrumentation is checked to apply to every source a variant is built from.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lwtbench.kernel.build import uml_fragments
from lwtbench.kernel.source import apply_patch
from lwtbench.kernel.variants import (
    AS_MERGED_PATCH_DIR,
    DEBIAN_6_1,
    DEBIAN_6_12,
    DEBIAN_7_2,
    ENV_KERNEL_DIR,
    TOUCHED_FILES,
    get_variant,
    lab_patches,
    read_series,
    shipped_variant,
)

REF_LOOP_TEST = "cache only if we don't create a dst reference loop"
"""The comment the Jan 2025 dst-ref-loop change put above each of its tests."""


SOURCES = (DEBIAN_6_12, DEBIAN_6_1, DEBIAN_7_2)
MEMBERS = (
    "Makefile",
    "net/ipv6/ioam6_iptunnel.c",
    "net/ipv6/seg6_iptunnel.c",
    "net/core/Makefile",
    "net/ipv6/Makefile",
    "net/core/pktgen.c",
    "kernel/gcov/gcc_base.c",
)
"""Files read from each tarball (one pass each: xz unpacks the whole stream every time)."""


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> dict[str, Path]:
    """Per source package, a folder with MEMBERS as Debian ships them."""
    missing = [f"{s.tarball} ({s.package})" for s in SOURCES if not s.tarball.is_file()]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: env/setup.sh installs them")
    out = {}
    for source in SOURCES:
        dest = tmp_path_factory.mktemp(source.package)
        members = [f"{source.package}/{m}" for m in MEMBERS]
        subprocess.run(
            ["tar", "-xf", str(source.tarball), "-C", str(dest), "--strip-components=1", *members],
            check=True,
        )
        out[source.package] = dest
    return out


def test_as_merged_takes_out_exactly_the_ref_loop_tests(debian_6_12_files, tmp_path):
    tree = tmp_path / "t"
    shutil.copytree(debian_6_12_files, tree)
    shipped = {rel: (tree / rel).read_text() for rel in TOUCHED_FILES}
    # Debian's 6.12.117: one test in ioam6's output path, two each in seg6 and rpl (in, out)
    assert [
        shipped[f"net/ipv6/{p}_iptunnel.c"].count(REF_LOOP_TEST) for p in ("ioam6", "seg6", "rpl")
    ] == [1, 2, 2]
    for patch in get_variant("as-merged").apply:
        apply_patch(tree, patch)
    merged = {rel: (tree / rel).read_text() for rel in TOUCHED_FILES}
    for rel, text in merged.items():
        assert REF_LOOP_TEST not in text, rel
        # every cache fill is unconditional again: no lwtstate comparison guards one
        assert not re.search(r"lwtstate\)\s*\{\s*local_bh_disable\(\);\s*dst_cache_set", text)
        assert "lwtst" not in re.sub(r"lwtstate", "", text), rel
    ioam = merged["net/ipv6/ioam6_iptunnel.c"]
    # the series itself stays: the cache is read before the insertion, which is sized by it
    assert "dst_dev_overhead(cache_dst, skb)" in ioam
    assert ioam.index("dst_cache_get(&ilwt->cache)") < ioam.index("ioam6_do_inline(net, skb")
    # and so does the output reentry guard of inline mode
    assert "avoid lwtunnel_output() reentry loop" in ioam
    assert merged["include/net/dst.h"] == shipped["include/net/dst.h"]
    # the input paths still force a reference on the NOREF dst before caching it
    assert merged["net/ipv6/seg6_iptunnel.c"].count("skb_dst_force(skb);") == 1
    assert merged["net/ipv6/rpl_iptunnel.c"].count("skb_dst_force(skb);") == 1
    assert read_series(AS_MERGED_PATCH_DIR) == get_variant("as-merged").apply


def test_debian_72_carries_upstreams_placeholder_fix_for_ioam_inline(pristine):
    src = pristine[DEBIAN_7_2.package]
    assert "SUBLEVEL = 13" in (src / "Makefile").read_text()
    ioam = (src / "net/ipv6/ioam6_iptunnel.c").read_text()
    # when the route is unchanged a placeholder dst is cached, and a hit on it means orig_dst
    assert re.search(
        r"if \(orig_dst->lwtstate == dst->lwtstate\)\s*"
        r"dst_cache_set_ip6\(&ilwt->cache,\s*&ilwt->null_rt\.dst",
        ioam,
    )
    assert re.search(r"if \(dst == &ilwt->null_rt\.dst\) \{.*?dst = orig_dst;", ioam, re.S)
    # seg6 still has the ref-loop tests (nothing cached when the route is unchanged)
    assert (src / "net/ipv6/seg6_iptunnel.c").read_text().count(REF_LOOP_TEST) == 2


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.package)
def test_lab_patches_apply_to_every_source(source, pristine, tmp_path):
    patches = lab_patches(source)
    touched = {m for p in patches for m in re.findall(r"^\+\+\+ b/(\S+)", p.read_text(), re.M)}
    assert touched <= set(MEMBERS)
    tree = tmp_path / "t"
    shutil.copytree(pristine[source.package], tree)
    for patch in patches:
        apply_patch(tree, patch)
    pktgen = (tree / "net/core/pktgen.c").read_text()
    assert 'strcmp(name, "headroom")' in pktgen and "lab_headroom" in pktgen
    assert "GCOV_PROFILE_skbuff.o := y" in (tree / "net/core/Makefile").read_text()
    own = [p for p in patches if p.parent != ENV_KERNEL_DIR]
    # only 7.2 needs its own copies (the Makefile's first line and pktgen's num_arg moved)
    assert [p.name for p in own] == (
        ["lab-gcov-objects.patch", "lab-pktgen-headroom.patch"] if source is DEBIAN_7_2 else []
    )


def test_72_withdraws_uml_net_and_the_6x_fragments_are_unchanged():
    assert [p.name for p in uml_fragments("counting", DEBIAN_6_12)] == [
        "uml.config",
        "uml-counting.config",
    ]
    own = uml_fragments("counting", DEBIAN_7_2)[-1]
    assert own.parent.name == "linux-source-7.2"
    assert "# CONFIG_UML_NET is not set" in own.read_text().splitlines()


def test_each_source_has_one_shipped_variant():
    assert shipped_variant(DEBIAN_6_12).name == "debian-6.12"
    assert shipped_variant(DEBIAN_6_1).name == "debian-6.1"
    assert shipped_variant(DEBIAN_7_2).name == "debian-7.2"
    assert get_variant("debian-7.2").release == "7.2.13-lwtb-debian-7.2"
    assert get_variant("as-merged").release == "6.12.117-lwtb-as-merged"

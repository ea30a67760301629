"""The series in patch/: it reverts from Debian 6.12.117 to the pre-series code and back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lwtbench.errors import InputFileError
from lwtbench.kernel.source import apply_patch, read_kernel_version
from lwtbench.kernel.variants import (
    FIXED_PATCH_DIR,
    PATCH_DIR,
    TOUCHED_FILES,
    get_variant,
    read_series,
)


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def _read(tree: Path) -> dict[str, bytes]:
    return {rel: (tree / rel).read_bytes() for rel in TOUCHED_FILES}


def _function(text: str, name: str) -> str:
    """The body of the C function ``name`` (from its definition to the closing brace)."""
    m = re.search(rf"^(?:static )?int {name}\(.*?^}}$", text, re.M | re.S)
    assert m, f"function {name} not found"
    return m.group(0)


@pytest.fixture(scope="module")
def vanilla(debian_6_12_files, tmp_path_factory) -> Path:
    tree = _copy(debian_6_12_files, tmp_path_factory.mktemp("v") / "tree")
    for path in get_variant("vanilla").revert:
        apply_patch(tree, path, reverse=True)
    return tree


def test_series_lists_the_four_patches_in_format_patch_form():
    series = read_series(PATCH_DIR)
    assert len(series) == 4
    touched = []
    for n, path in enumerate(series, 1):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("From "), path
        assert re.search(rf"^Subject: \[PATCH {n}/4\] ", text, re.M), path
        touched += re.findall(r"^diff --git a/(\S+) ", text, re.M)
    assert touched == list(TOUCHED_FILES)


def test_the_source_is_debian_6_12_117(debian_6_12_files):
    assert read_kernel_version(debian_6_12_files) == "6.12.117"


def test_revert_then_apply_gives_debian_back_byte_for_byte(debian_6_12_files, vanilla, tmp_path):
    shipped = _read(debian_6_12_files)
    reverted = _read(vanilla)
    assert all(reverted[rel] != shipped[rel] for rel in TOUCHED_FILES)
    tree = _copy(vanilla, tmp_path / "again")
    for path in read_series(PATCH_DIR):
        apply_patch(tree, path)
    assert _read(tree) == shipped


def test_vanilla_has_no_dst_dev_overhead(vanilla):
    for rel in TOUCHED_FILES:
        assert "dst_dev_overhead" not in (vanilla / rel).read_text(), rel


def test_vanilla_encaps_size_the_reallocation_with_mac_len(vanilla):
    cows = {
        "net/ipv6/ioam6_iptunnel.c": 2,  # inline, encap
        "net/ipv6/seg6_iptunnel.c": 3,  # encap, encap.red, inline
        "net/ipv6/rpl_iptunnel.c": 1,  # inline
    }
    for rel, count in cows.items():
        text = (vanilla / rel).read_text()
        sized = re.findall(r"skb_cow_head\(skb, \w+ \+ skb->mac_len\)", text)
        assert len(sized) == count, rel
        assert "cache_dst" not in text, rel


@pytest.mark.parametrize(
    ("rel", "function", "encap"),
    [
        ("net/ipv6/ioam6_iptunnel.c", "ioam6_output", "ioam6_do_inline("),
        ("net/ipv6/seg6_iptunnel.c", "seg6_input_core", "seg6_do_srh(skb)"),
        ("net/ipv6/seg6_iptunnel.c", "seg6_output_core", "seg6_do_srh(skb)"),
        ("net/ipv6/rpl_iptunnel.c", "rpl_output", "rpl_do_srh(skb, rlwt)"),
        ("net/ipv6/rpl_iptunnel.c", "rpl_input", "rpl_do_srh(skb, rlwt)"),
    ],
)
def test_vanilla_reads_the_cache_after_the_encap_and_cows_l2_every_packet(
    vanilla, debian_6_12_files, rel, function, encap
):
    body = _function((vanilla / rel).read_text(), function)
    assert body.index(encap) < body.index("dst_cache_get(")
    # the L2 room is made outside the cache-miss branch: after the last closing of a block
    # that holds the route lookup, at function level (one tab of indent)
    l2 = re.search(r"^\terr = skb_cow_head\(skb, LL_RESERVED_SPACE\(", body, re.M)
    assert l2, f"{function}: no per-packet L2 skb_cow_head"
    # ... while Debian's code (the series) reads the cache first and cows L2 only on a miss
    shipped = _function((debian_6_12_files / rel).read_text(), function)
    assert shipped.index("dst_cache_get(") < shipped.index(encap.split("(")[0])
    assert not re.search(r"^\terr = skb_cow_head\(skb, LL_RESERVED_SPACE\(", shipped, re.M)


def test_vanilla_keeps_the_dst_ref_loop_fix(vanilla):
    # the Jan 2025 change (no caching when the dst is unchanged) is not part of the series
    for rel in ("net/ipv6/ioam6_iptunnel.c", "net/ipv6/seg6_iptunnel.c", "net/ipv6/rpl_iptunnel.c"):
        assert "cache only if we don't create a dst reference loop" in (vanilla / rel).read_text()


def test_fixed_applies_on_debian_and_sizes_the_empty_cache_case(debian_6_12_files, tmp_path):
    tree = _copy(debian_6_12_files, tmp_path / "fixed")
    shipped = _read(tree)
    for path in read_series(FIXED_PATCH_DIR):
        apply_patch(tree, path)
    after = _read(tree)
    changed = [rel for rel in TOUCHED_FILES if after[rel] != shipped[rel]]
    assert changed == ["net/ipv6/ioam6_iptunnel.c"]
    body = _function(after[changed[0]].decode(), "ioam6_output")
    assert "room_dst = dst ?: orig_dst;" in body
    assert "ioam6_do_inline(net, skb, &ilwt->tuninfo, room_dst)" in body


def test_a_patch_that_does_not_apply_leaves_the_tree_untouched(vanilla, tmp_path):
    tree = _copy(vanilla, tmp_path / "t")
    before = _read(tree)
    fixed = read_series(FIXED_PATCH_DIR)[0]
    with pytest.raises(InputFileError, match="does not apply cleanly"):
        apply_patch(tree, fixed)  # fixed is made for Debian's tree, not for vanilla
    assert _read(tree) == before


def test_lab_patches_are_labelled_and_keep_off_the_forwarding_code():
    from lwtbench.kernel.variants import lab_patches

    patches = lab_patches(get_variant("vanilla").source)
    assert [p.name for p in patches] == [
        "lab-gcov-objects.patch",
        "lab-gcov-uml-ctor-guard.patch",
        "lab-pktgen-headroom.patch",
    ]
    touched = set()
    for path in patches:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("Subject: [LAB INSTRUMENTATION] "), path
        touched |= set(re.findall(r"^\+\+\+ b/(\S+)", text, re.M))
    # build files, the gcov core and the traffic generator only: no C file on the path
    # a forwarded packet takes is changed
    assert touched == {
        "net/core/Makefile",
        "net/ipv6/Makefile",
        "kernel/gcov/gcc_base.c",
        "net/core/pktgen.c",
    }

"""The facts the model is built on, re-read from Debian's kernel sources when they are here.

Each test greps the very lines the model's docstrings cite, so a new Debian source package
that changes them makes this fail instead of leaving the model silently stale.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from lwtbench.model.cstruct import skb_shared_info_fields

TARBALLS = {
    "6.12": Path("/usr/src/linux-source-6.12.tar.xz"),
    "6.1": Path("/usr/src/linux-source-6.1.tar.xz"),
}
FILES = {
    "6.12": [
        "include/linux/skbuff.h",
        "include/net/dst.h",
        "include/linux/netdevice.h",
        "arch/x86/include/asm/processor.h",
        "arch/s390/include/asm/cache.h",
        "net/ipv6/ioam6_iptunnel.c",
        "net/ipv6/seg6_iptunnel.c",
        "net/ipv6/rpl_iptunnel.c",
        "net/ipv6/ip6_output.c",
        "drivers/net/ethernet/intel/i40e/i40e_txrx.h",
        "drivers/net/ethernet/mellanox/mlx5/core/en/params.c",
        "arch/um/drivers/vector_kern.c",
    ],
    "6.1": ["net/ipv6/ioam6_iptunnel.c", "net/ipv6/seg6_iptunnel.c"],
}


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> dict[str, Path]:
    missing = [str(t) for t in TARBALLS.values() if not t.exists()]
    if missing:
        pytest.skip(
            f"Debian kernel sources absent ({', '.join(missing)}): apt-get install "
            "linux-source-6.12 linux-source-6.1"
        )
    out = {}
    for version, tarball in TARBALLS.items():
        dest = tmp_path_factory.mktemp(f"linux-{version}")
        top = f"linux-source-{version}"
        members = [f"{top}/{f}" for f in FILES[version]]
        subprocess.run(["tar", "-xJf", str(tarball), "-C", str(dest), *members], check=True)
        out[version] = dest / top
    return out


def read(src: dict[str, Path], version: str, path: str) -> str:
    return (src[version] / path).read_text(errors="replace")


@pytest.mark.slow
def test_skb_shared_info_members_in_model_order(src):
    text = read(src, "6.12", "include/linux/skbuff.h")
    body = re.search(r"^struct skb_shared_info \{(.*?)^\};", text, re.S | re.M).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    body = re.sub(r"union \{[^}]*\};", "UNION;", body)  # the hwtstamps / xsk_meta union
    members = [m.strip().split()[-1] for m in body.split(";") if m.strip()]
    names = [re.sub(r"[\[*].*", "", m.lstrip("*")) for m in members]
    model = [f.name for f in skb_shared_info_fields(8, 17)]
    assert names == [("UNION" if n == "hwtstamps_or_xsk_meta" else n) for n in model]
    assert "define CONFIG_MAX_SKB_FRAGS 17" in text
    assert re.search(r"#define NET_SKB_PAD\s+max\(32, L1_CACHE_BYTES\)", text)


@pytest.mark.slow
def test_cow_arithmetic_and_helpers(src):
    skbuff = read(src, "6.12", "include/linux/skbuff.h")
    assert "pskb_expand_head(skb, ALIGN(delta, NET_SKB_PAD), 0," in skbuff
    dst = read(src, "6.12", "include/net/dst.h")
    assert re.search(r"return LL_RESERVED_SPACE\(dst->dev\);\s+return skb->mac_len;", dst)
    nd = read(src, "6.12", "include/linux/netdevice.h")
    assert "& ~(HH_DATA_MOD - 1)) + HH_DATA_MOD)" in nd
    assert re.search(
        r"#define NET_IP_ALIGN\s+0", read(src, "6.12", "arch/x86/include/asm/processor.h")
    )
    assert re.search(
        r"#define NET_SKB_PAD\s+32", read(src, "6.12", "arch/s390/include/asm/cache.h")
    )


@pytest.mark.slow
def test_paths_and_variants(src):
    out = read(src, "6.12", "net/ipv6/ip6_output.c")
    assert re.search(r"skb_cow\(skb, (dst->)?dev->hard_header_len\)", out)
    assert "skb = skb_expand_head(skb, hh_len);" in out
    ioam = read(src, "6.12", "net/ipv6/ioam6_iptunnel.c")
    assert "skb_cow_head(skb, hdrlen + dst_dev_overhead(cache_dst, skb))" in ioam
    assert "if (orig_dst->lwtstate != dst->lwtstate) {" in ioam  # the Jan 2025 ref-loop fix
    assert "LWTUNNEL_STATE_OUTPUT_REDIRECT" in ioam and "INPUT_REDIRECT" not in ioam
    for name in ("seg6_iptunnel.c", "rpl_iptunnel.c"):
        code = read(src, "6.12", f"net/ipv6/{name}")
        assert "LWTUNNEL_STATE_INPUT_REDIRECT" in code
        assert "lwtst != dst->lwtstate" in code
    seg6 = read(src, "6.12", "net/ipv6/seg6_iptunnel.c")
    assert "pskb_expand_head(skb, skb->mac_len, 0, GFP_ATOMIC)" in seg6
    # 6.1.192: ioam6 unmitigated, seg6 mitigated
    assert "skb_cow_head(skb, hdrlen + skb->mac_len)" in read(
        src, "6.1", "net/ipv6/ioam6_iptunnel.c"
    )
    assert "dst_dev_overhead(cache_dst, skb)" in read(src, "6.1", "net/ipv6/seg6_iptunnel.c")


@pytest.mark.slow
def test_driver_formulas_as_cited(src):
    i40e = read(src, "6.12", "drivers/net/ethernet/intel/i40e/i40e_txrx.h")
    assert "pad_size = SKB_WITH_OVERHEAD(page_size) - rx_buf_len;" in i40e
    assert "rx_buf_len = I40E_RXBUFFER_3072 + SKB_DATA_ALIGN(NET_IP_ALIGN);" in i40e
    mlx5 = read(src, "6.12", "drivers/net/ethernet/mellanox/mlx5/core/en/params.c")
    assert "headroom += XDP_PACKET_HEADROOM;" in mlx5 and "headroom += MLX5_RX_HEADROOM;" in mlx5
    vec = read(src, "6.12", "arch/um/drivers/vector_kern.c")
    assert "skb_reserve(result, vp->headroom);" in vec
    assert "#define DEFAULT_HEADROOM 2" in vec

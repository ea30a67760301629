"""GCOV call-site counting against a real gcc/gcov build of a miniature kernel-shaped tree.

The tree copies the shape that matters (an inlined ``__skb_cow`` in a header, direct calls of
``skb_expand_head`` and ``pskb_expand_head``), not kernel code; the counts come from gcov.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from lwtbench.errors import InputFileError
from lwtbench.testbeds.lab import gcov

FILES = {
    "include/linux/skbuff.h": """
        struct sk_buff { int headroom; };
        int pskb_expand_head(struct sk_buff *skb, int nhead);
        struct sk_buff *skb_expand_head(struct sk_buff *skb, int headroom);

        static inline int __skb_cow(struct sk_buff *skb, unsigned int headroom,
                                    int cloned)
        {
            int delta = 0;

            if ((int)headroom > skb->headroom)
                delta = headroom - skb->headroom;
            if (delta || cloned)
                return pskb_expand_head(skb, (delta + 63) & ~63);
            return 0;
        }

        static inline int skb_cow(struct sk_buff *skb, unsigned int headroom)
        {
            return __skb_cow(skb, headroom, 0);
        }

        static inline int skb_cow_head(struct sk_buff *skb, unsigned int headroom)
        {
            return __skb_cow(skb, headroom, 0);
        }
    """,
    "net/core/skbuff.c": """
        #include <linux/skbuff.h>
        __attribute__((noinline)) int pskb_expand_head(struct sk_buff *skb, int nhead)
        {
            skb->headroom += nhead;
            return 0;
        }

        __attribute__((noinline)) struct sk_buff *skb_expand_head(struct sk_buff *skb,
                                                                  int headroom)
        {
            pskb_expand_head(skb, headroom - skb->headroom);
            return skb;
        }
    """,
    "net/ipv6/seg6_iptunnel.c": """
        #include <linux/skbuff.h>
        int seg6_do_srh(struct sk_buff *skb, int len, int l2);
        __attribute__((noinline)) int seg6_do_srh(struct sk_buff *skb, int len, int l2)
        {
            if (l2)
                if (pskb_expand_head(skb, 14) < 0)
                    return -1;
            if (skb_cow_head(skb, len + 14))
                return -1;
            skb->headroom -= len;
            return 0;
        }

        __attribute__((noinline)) int seg6_output(struct sk_buff *skb, int len)
        {
            int err = seg6_do_srh(skb, len, 0);

            if (err)
                return err;
            return skb_cow_head(skb, 16);
        }
    """,
    "net/ipv6/ioam6_iptunnel.c": """
        #include <linux/skbuff.h>
        __attribute__((noinline)) int ioam6_output(struct sk_buff *skb, int len)
        {
            return skb_cow_head(skb, len + 14);
        }
    """,
    "net/ipv6/rpl_iptunnel.c": """
        #include <linux/skbuff.h>
        __attribute__((noinline)) int rpl_output(struct sk_buff *skb, int len)
        {
            return skb_cow_head(skb, len + 14);
        }
    """,
    "net/ipv6/ip6_output.c": """
        #include <linux/skbuff.h>
        __attribute__((noinline)) int ip6_finish_output2(struct sk_buff *skb)
        {
            if (16 > skb->headroom) {
                skb = skb_expand_head(skb, 16);
                if (!skb)
                    return -1;
            }
            return 0;
        }

        __attribute__((noinline)) int ip6_forward(struct sk_buff *skb)
        {
            if (skb_cow(skb, 14))
                return -1;
            return ip6_finish_output2(skb);
        }
    """,
    "main.c": """
        #include <stdlib.h>
        #include <linux/skbuff.h>
        int seg6_output(struct sk_buff *skb, int len);
        int ip6_forward(struct sk_buff *skb);
        int ip6_finish_output2(struct sk_buff *skb);

        int main(int argc, char **argv)
        {
            int packets = atoi(argv[1]), headroom = atoi(argv[2]), len = atoi(argv[3]);

            for (int i = 0; i < packets; i++) {
                struct sk_buff skb = { headroom };

                ip6_forward(&skb);
                seg6_output(&skb, len);
                ip6_finish_output2(&skb);
            }
            return 0;
        }
    """,
}
OBJECTS = [
    "net/core/skbuff",
    "net/ipv6/seg6_iptunnel",
    "net/ipv6/ioam6_iptunnel",
    "net/ipv6/rpl_iptunnel",
    "net/ipv6/ip6_output",
]


@pytest.fixture(scope="module")
def mini_kernel(tmp_path_factory) -> Path:
    if shutil.which("gcc") is None or shutil.which("gcov") is None:
        pytest.skip("needs gcc and gcov (Debian package gcc)")
    tree = tmp_path_factory.mktemp("tree")
    for rel, text in FILES.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(textwrap.dedent(text).lstrip())
    for obj in OBJECTS:
        subprocess.run(
            ["gcc", "-O2", "--coverage", "-Iinclude", "-c", f"{obj}.c", "-o", f"{obj}.o"],
            cwd=tree,
            check=True,
        )
    objs = [f"{o}.o" for o in OBJECTS]
    subprocess.run(["gcc", "--coverage", "-Iinclude", "main.c", *objs, "-o", "fwd"], cwd=tree)
    return tree


def forward(tree: Path, out: Path, packets: int, headroom: int, length: int) -> dict[str, int]:
    """Run the miniature forwarder and read its counts as the lab does (copied .gcda)."""
    for obj in OBJECTS:
        (tree / f"{obj}.gcda").unlink(missing_ok=True)  # the debugfs reset
    subprocess.run(["./fwd", str(packets), str(headroom), str(length)], cwd=tree, check=True)
    for obj in OBJECTS:
        (out / obj).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tree / f"{obj}.gcda", out / f"{obj}.gcda")
    lines = gcov.resolve_sites(tree)
    return gcov.read_counts(out, tree, lines)


def test_sites_are_found_by_text(mini_kernel):
    lines = gcov.resolve_sites(mini_kernel).lines
    header = (mini_kernel / gcov.SKBUFF_H).read_text().splitlines()
    assert "pskb_expand_head(" in header[lines["seg6_iptunnel:skb_cow_head"] - 1]
    ip6 = (mini_kernel / "net/ipv6/ip6_output.c").read_text().splitlines()
    assert "skb_expand_head(" in ip6[lines["ip6_finish_output2:skb_expand_head"] - 1]


def test_double_reallocation_is_counted_per_site(mini_kernel, tmp_path):
    # headroom 206, 270 B needed: the lwt grows the head once by 64, the L2 cow again (6 < 16).
    counts = forward(mini_kernel, tmp_path, packets=25, headroom=206, length=256)
    assert counts["seg6_iptunnel:skb_cow_head"] == 50
    assert counts["ip6_forward:skb_cow"] == 0
    assert counts["ip6_finish_output2:skb_expand_head"] == 0
    assert counts["ioam6_iptunnel:skb_cow_head"] == 0
    assert counts["pskb_expand_head"] == 50


def test_single_reallocation_and_output_expand(mini_kernel, tmp_path):
    # headroom 8: ip6_forward's skb_cow grows to 72; seg6 with 0 B needs nothing more.
    counts = forward(mini_kernel, tmp_path, packets=7, headroom=8, length=0)
    assert counts["ip6_forward:skb_cow"] == 7
    assert counts["seg6_iptunnel:skb_cow_head"] == 0
    assert counts["pskb_expand_head"] == 7


def test_missing_function_names_the_file(tmp_path):
    with pytest.raises(InputFileError, match="no definition of ip6_finish_output2"):
        site = next(s for s in gcov.CALL_SITES if s.function == "ip6_finish_output2")
        gcov.find_site_line("int other(void)\n{\n}\n", site)


def test_ambiguous_site_is_refused():
    text = (
        "static int ip6_finish_output2(int x)\n{\n\tskb_expand_head(a);\n\tskb_expand_head(b);\n}\n"
    )
    site = next(s for s in gcov.CALL_SITES if s.function == "ip6_finish_output2")
    with pytest.raises(InputFileError, match="2 lines containing"):
        gcov.find_site_line(text, site)

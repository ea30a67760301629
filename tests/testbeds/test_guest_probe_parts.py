"""The guest probe's pieces that need no VM: trace parsing, reading sk_buff offsets out of a
kernel package, and the checks a virtual DUT count run makes before it boots anything."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lwtbench.errors import LwtbenchError, ParameterError
from lwtbench.scenario.campaign import load_campaign, parse_campaign
from lwtbench.testbeds.guest_probe import (
    _SKB_PUSH_DATA,
    _SKB_PUSH_HEAD,
    _SKB_PUSH_LEN,
    GuestWindow,
    _elf_of_bzimage,
    _symbol_range,
    parse_trace,
)

CAMPAIGNS = Path(__file__).resolve().parents[2] / "lwtbench" / "scenario" / "campaigns"

# Lines as tracefs writes them: function tracer, then the kprobe events. Three packets of the
# flow on CPU 1: the first missed the tunnel's dst cache (cache_miss) and grew twice, the other
# two grew once; CPU 0 has the SSH session's tail-only growth and another skb's head growth.
SKB = "0xffff888004b0e600"
TRACE = f"""\
# tracer: function
#
            sshd-412     [000] b..2.  80.100000: pskb_expand_head <-__pskb_pull_tail
            sshd-412     [000] b..2.  80.100001: expand: (pskb_expand_head+0x4/0x3b0) skb=0xffff888003c1d100 nhead=0
          <idle>-0       [001] ..s2.  81.000001: rx: (ip6_rcv_core+0x4/0x540) len=114 head=0xffff888004a21000 data=0xffff888004a2104e
          <idle>-0       [001] ..s2.  81.000001: lwt_in: (lwtunnel_input+0x4/0xb0) skb={SKB}
          <idle>-0       [001] ..s2.  81.000002: pskb_expand_head <-seg6_do_srh_encap
          <idle>-0       [001] ..s2.  81.000003: expand: (pskb_expand_head+0x4/0x3b0) skb={SKB} nhead=128
          <idle>-0       [001] ..s2.  81.000003: cache_miss: (dst_cache_set_ip6+0x4/0x90)
          <idle>-0       [001] ..s2.  81.000004: pskb_expand_head <-seg6_input_core
          <idle>-0       [001] ..s2.  81.000005: expand: (pskb_expand_head+0x4/0x3b0) skb={SKB} nhead=64
          <idle>-0       [001] ..s2.  81.000006: rx: (ip6_rcv_core+0x4/0x540) len=114 head=0xffff888004a22000 data=0xffff888004a2204e
          <idle>-0       [001] ..s2.  81.000006: lwt_in: (lwtunnel_input+0x4/0xb0) skb={SKB}
          <idle>-0       [001] ..s2.  81.000007: pskb_expand_head <-seg6_do_srh_encap
          <idle>-0       [001] ..s2.  81.000008: expand: (pskb_expand_head+0x4/0x3b0) skb={SKB} nhead=128
          <idle>-0       [000] ..s2.  81.000009: expand: (pskb_expand_head+0x4/0x3b0) skb=0xffff888003c1d200 nhead=32
          <idle>-0       [001] ..s2.  81.000010: lwt_in: (lwtunnel_input+0x4/0xb0) skb={SKB}
          <idle>-0       [001] ..s2.  81.000011: pskb_expand_head <-seg6_do_srh_encap
          <idle>-0       [001] ..s2.  81.000012: expand: (pskb_expand_head+0x4/0x3b0) skb={SKB} nhead=128
"""  # noqa: E501


def test_trace_counts_calls_callers_headroom_and_growths():
    t = parse_trace(TRACE)
    assert t.calls == {"pskb_expand_head": 5, "skb_expand_head": 0}
    assert t.callers == {
        "pskb_expand_head<-__pskb_pull_tail": 1,
        "pskb_expand_head<-seg6_do_srh_encap": 3,
        "pskb_expand_head<-seg6_input_core": 1,
    }
    assert t.rx_headroom == {0x4E: 2}  # 78 B in front of the IPv6 header
    assert t.expansions == {0: 1, 32: 1, 64: 1, 128: 3}


def test_growths_are_attributed_to_the_packet_in_the_tunnel_on_their_cpu():
    t = parse_trace(TRACE)
    assert t.packets == {1: 2}  # the two packets that hit the dst cache: one growth each
    assert t.cache_miss_packets == {2: 1}  # the miss: its second growth is the cold cache's
    assert t.unattributed == 1  # CPU 0's head growth of another skb


def test_the_steady_state_count_leaves_out_misses_and_other_traffic():
    window = GuestWindow("p", sent=3, forwarded=3, trace=parse_trace(TRACE), elapsed_s=1.0)
    assert window.reallocs == 5  # every head growth of the window (tail-only left out)
    assert window.tail_only == 1
    assert (window.tunnel_packets, window.cache_misses) == (3, 1)
    assert window.reallocs_per_packet == 1
    # the same packets without the miss marker: the cold packet counts, and moves the mean
    warm = GuestWindow("p", 3, 3, parse_trace(TRACE.replace("cache_miss:", "other:")), 1.0)
    assert warm.reallocs_per_packet == 4 / 3
    # a second growth of a steady packet is counted: the count can be 2
    doubled = TRACE.replace("skb=0xffff888003c1d200", f"skb={SKB}").replace(
        "[000] ..s2.  81.000009", "[001] ..s2.  81.000009"
    )
    assert GuestWindow("p", 3, 3, parse_trace(doubled), 1.0).reallocs_per_packet == 1.5


def test_without_a_tunnel_every_head_growth_counts_per_forwarded_packet():
    plain = "\n".join(line for line in TRACE.splitlines() if "lwt_in" not in line)
    window = GuestWindow("p", 3, 3, parse_trace(plain), 1.0)
    assert window.tunnel_packets == 0
    assert window.reallocs_per_packet == 5 / 3
    assert GuestWindow("p", 2, 0, parse_trace(plain), 1.0).reallocs_per_packet != 0


def test_a_trace_of_the_old_shape_still_parses():
    old = TRACE.replace(f"skb={SKB} ", "").replace("skb=0xffff888003c1d100 ", "")
    assert parse_trace(old).expansions[128] == 3


def test_skb_push_shape_gives_the_offsets():
    # objdump -d of skb_push in the project's 6.12.117 DUT kernel
    text = """
ffffffff81c3f8c9:	mov    0xd0(%rdi),%rax
ffffffff81c3f8d0:	mov    %esi,%edx
ffffffff81c3f8d2:	add    %esi,0x70(%rdi)
ffffffff81c3f8d5:	sub    %rdx,%rax
ffffffff81c3f8d8:	mov    %rax,0xd0(%rdi)
ffffffff81c3f8df:	cmp    0xc8(%rdi),%rax
"""
    found = [rx.search(text) for rx in (_SKB_PUSH_LEN, _SKB_PUSH_DATA, _SKB_PUSH_HEAD)]
    assert [int(m.group(1), 16) for m in found if m] == [0x70, 0xD0, 0xC8]


def test_kernel_elf_is_found_behind_a_false_gzip_magic():
    elf = b"\x7fELF" + bytes(range(256)) * 4
    image = b"setup" + b"\x1f\x8b\x08\x00broken" + b"pad" + gzip.compress(elf) + b"trailer"
    assert _elf_of_bzimage(image) == elf
    with pytest.raises(LwtbenchError, match="no gzip-compressed ELF"):
        _elf_of_bzimage(b"no kernel here")


def test_symbol_range_ends_at_the_next_symbol():
    system_map = (
        "ffffffff81c3f850 T skb_panic\n"
        "ffffffff81c3f8c0 T skb_push\n"
        "ffffffff81c3f8c0 t __pfx_alias\n"
        "ffffffff81c3f900 T skb_pull\n"
    )
    assert _symbol_range(system_map, "skb_push") == (0xFFFFFFFF81C3F8C0, 0xFFFFFFFF81C3F900)
    with pytest.raises(LwtbenchError, match="no text symbol"):
        _symbol_range(system_map, "skb_put")


def test_shipped_vm_campaigns_name_one_receive_path_each():
    from lwtbench.model.platforms import virtio_net_platform

    def platform_of(name: str) -> str:
        return virtio_net_platform(p.frame_size for p in load_campaign(CAMPAIGNS / name).points)

    assert platform_of("virtio-copy-counts.yaml") == "x86_64/virtio_net-copy"
    assert platform_of("virtio-inplace-counts.yaml") == "x86_64/virtio_net"


def test_a_campaign_mixing_receive_paths_is_refused():
    from lwtbench.model.platforms import virtio_net_platform

    mixed = parse_campaign(
        {
            "name": "mixed",
            "frame_size": [128, 1000],
            "kernels": ["vanilla"],
            "sweeps": [{"protocol": "seg6", "modes": ["encap"], "segments": [5]}],
        }
    )
    with pytest.raises(ParameterError, match="one virtio-net receive path"):
        virtio_net_platform(p.frame_size for p in mixed.points)


def test_kernel_deb_options_name_campaign_kernels(tmp_path):
    from lwtbench.cli.vmcount import parse_kernel_debs
    from lwtbench.runs.vmcounts import check_kernels

    assert parse_kernel_debs(["vanilla=/x.deb"], ("vanilla", "fixed")) == {
        "vanilla": Path("/x.deb")
    }
    with pytest.raises(ParameterError, match="VARIANT=FILE"):
        parse_kernel_debs(["patched=/x.deb"], ("vanilla",))
    with pytest.raises(ParameterError, match="existing linux-image"):
        check_kernels({"vanilla": tmp_path / "missing.deb"})


def test_cli_count_help_lists_it():
    out = subprocess.run(
        [sys.executable, "-m", "lwtbench", "vm", "count", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--kernel-deb" in out and "virtual DUT" in out


def test_probe_of_a_virtual_dut_that_is_not_running_is_refused(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "lwtbench", "probe", "--vm", "nosuch", "--segments", "5"],
        capture_output=True,
        text=True,
        env={**os.environ, "LWTBENCH_CACHE": str(tmp_path)},
    )
    assert proc.returncode == 2
    assert "--vm" in proc.stderr and "lwtbench vm start" in proc.stderr

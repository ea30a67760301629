"""``lwtbench model ...``: the exact command-line form other tools rely on."""

from __future__ import annotations

import json

import pytest

from lwtbench.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["model", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_triggers_json(capsys):
    rc, out, _ = run(
        capsys,
        "triggers",
        "--protocol", "ioam6",
        "--mode", "inline",
        "--range", "232:244:4",
        "--platform", "x86_64/i40e",
        "--kernel", "vanilla",
        "--json",
    )  # fmt: skip
    assert rc == 0
    assert json.loads(out) == [
        {"param": 232, "inserted": 248, "reallocs": 1, "expansions": [64]},
        {"param": 236, "inserted": 256, "reallocs": 2, "expansions": [64, 64]},
        {"param": 240, "inserted": 256, "reallocs": 2, "expansions": [64, 64]},
        {"param": 244, "inserted": 264, "reallocs": 1, "expansions": [128]},
    ]


def test_triggers_custom_platform_table(capsys):
    rc, out, _ = run(
        capsys,
        "triggers",
        "--protocol", "seg6",
        "--mode", "encap",
        "--range", "1:30",
        "--cache-line", "128",
        "--rx-headroom", "192",
        "--egress-hard-header-len", "14",
        "--egress-needed-headroom", "0",
        "--kernel", "vanilla",
    )  # fmt: skip
    assert rc == 0
    assert "model prediction" in out
    assert "double reallocation at segments: [17, 25]" in out


def test_explain_traces_each_step(capsys):
    rc, out, _ = run(
        capsys,
        "explain",
        "--protocol", "ioam6",
        "--mode", "inline",
        "--trace-size", "236",
        "--platform", "x86_64/i40e",
        "--kernel", "debian-6.12",
    )  # fmt: skip
    assert rc == 0
    assert "ip6_forward" in out and "ioam6_do_inline" in out and "ip6_finish_output2" in out
    assert "ref-loop" in out
    assert "reallocations: 2" in out


def test_platforms_lists_sources(capsys):
    rc, out, _ = run(capsys, "platforms", "--sources")
    assert rc == 0
    assert "x86_64/i40e" in out and "i40e_txrx.h" in out
    rc, out, _ = run(capsys, "platforms", "--json", "--arch", "s390x")
    assert {e["name"].split("/")[0] for e in json.loads(out)} == {"s390x"}


def test_table(capsys):
    rc, out, _ = run(capsys, "table", "--platform", "x86_64/i40e", "--kernel", "vanilla")
    assert rc == 0
    assert "ioam6 inline       236 240" in out
    assert "seg6 encap.red     14 18 22 26 30" in out
    rc, out, _ = run(capsys, "table", "--platform", "um/tun", "--kernel", "mitigated", "--json")
    assert all(r["double_realloc_at"] == [] for r in json.loads(out))


def test_rpl_search(capsys):
    rc, out, _ = run(
        capsys,
        "rpl-search", "--platform", "x86_64/i40e", "--kernel", "vanilla",
        "--max-segments", "17", "--json",
    )  # fmt: skip
    assert rc == 0
    found = json.loads(out)
    assert found and all(c["inserted"] == 256 and c["reallocs"] == 2 for c in found)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "x86_64/e1000e"], "no entry"),
        (["--platform", "x86_64/i40e", "--cache-line", "64"], "either"),
        (["--cache-line", "64"], "--rx-headroom"),
        (["--platform", "x86_64/veth"], "sender"),
    ],
)
def test_errors_name_the_input(capsys, args, message):
    rc, _, err = run(
        capsys,
        "triggers", "--protocol", "seg6", "--mode", "encap", "--range", "1:3",
        "--kernel", "vanilla", *args,
    )  # fmt: skip
    assert rc == 2
    assert message in err

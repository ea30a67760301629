"""Bad inputs, the way a user gives them: each is answered with one clear message naming the
input, exit code 2, no traceback, and nothing changed on the host or under ``data/``.

The cases are those a session found by trying 260 bad inputs (campaign and testbed files,
command options, data files); every one of them used to give a traceback, or was accepted.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lwtbench.cli import main
from lwtbench.vm.base import vm_root
from lwtbench.vm.grub import FIRST_BOOT_PREFIX
from lwtbench.vm.machine import MachineConfig

TOP = Path(__file__).resolve().parents[2]
DATA = TOP / "data"
EXAMPLE_TESTBED = (TOP / "env" / "testbed.example.yaml").read_text()
SHIPPED_RUN = DATA / "lab-rates-debian" / "20261125-i40e-1514"

SIM = "kind: simulated\nkernel_factors: {vanilla: 1.0, fixed: 1.0}\n"
CAMPAIGN = "name: t\nkernels: [vanilla, fixed]\nsweeps:\n  - protocol: ipv6\n"


def trex(old: str, new: str) -> str:
    """The example TRex testbed file with one line changed."""
    assert old in EXAMPLE_TESTBED, old
    return EXAMPLE_TESTBED.replace(old, new, 1)


def sweep(text: str) -> str:
    return f"name: t\nkernels: [vanilla, fixed]\nsweeps:\n  - {text}\n"


def rpl_addresses(n: int) -> str:
    return sweep(
        "protocol: rpl\n    address_sets:\n      big: ["
        + ", ".join(f"2001:db8::{i:x}" for i in range(1, n + 1))
        + "]"
    )


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@dataclass(frozen=True)
class Case:
    """One bad input: files to write, the command, what the message must say."""

    files: dict[str, str | bytes]
    """File name (in the test's folder) -> content."""
    argv: Callable[[Path], list[str]]
    """The command line, given the test's folder."""
    expected: str
    """Text the error message must contain (the input's key path or option, the problem)."""


def dry_run(campaign: str = "c.yaml", testbed: str = "tb.yaml") -> Callable[[Path], list[str]]:
    return lambda d: [
        "run", "--campaign", str(d / campaign), "--testbed", str(d / testbed), "--dry-run",
    ]  # fmt: skip


def campaign_case(text: str | bytes, expected: str) -> Case:
    return Case({"c.yaml": text, "tb.yaml": SIM}, dry_run(), expected)


def tb_case(text: str | bytes, expected: str) -> Case:
    return Case({"c.yaml": CAMPAIGN, "tb.yaml": text}, dry_run(), expected)


def pcap(output: Callable[[Path], Path], *extra: str) -> Callable[[Path], list[str]]:
    return lambda d: [
        "packets", "pcap", "--protocol", "seg6", "--mode", "encap", *extra,
        "--output", str(output(d)),
    ]  # fmt: skip


CASES: dict[str, Case] = {
    # --- YAML itself -------------------------------------------------------------------------
    "latin-1 bytes": campaign_case("name: caf\xe9\n".encode("latin-1"), "byte 0xe9 is not UTF-8"),
    "binary bytes": tb_case(b"\x7fELF\x02\x01\x01\x00\x00", "NUL bytes"),
    "deep nesting": campaign_case("name: t\nx: " + "[" * 200 + "]" * 200, "nested deeper"),
    "duplicate key (campaign)": campaign_case(CAMPAIGN + "name: u\n", "key 'name' given twice"),
    "duplicate key (testbed)": tb_case(SIM + "kind: trex\n", "key 'kind' given twice"),
    "alias bomb": campaign_case(ALIAS_BOMB, "aliases"),
    # --- testbed files -----------------------------------------------------------------------
    "kind: [a]": tb_case("kind: [a]\n", "kind: ['a'] unknown"),
    "tx_port: a": tb_case(
        trex("tx_port: 0 ", "tx_port: a "), "generator.tx_port: expected an integer 0..63, got 'a'"
    ),
    "rx_port: 70000": tb_case(trex("rx_port: 1 ", "rx_port: 70000 "), "generator.rx_port"),
    "settle_s: abc": tb_case(trex("settle_s: 1.0", "settle_s: abc"), "generator.settle_s"),
    "flows: [1]": tb_case(trex("flows: 1 ", "flows: [1] "), "generator.flows"),
    "missing generator python": tb_case(
        trex("  settle_s:", "  python: /nonexistent/python3\n  settle_s:"),
        "generator.python: '/nonexistent/python3' is not an executable",
    ),
    'sudo: "false"': tb_case(
        trex("    port: 22\n", '    port: 22\n    sudo: "false"\n'),
        "dut.ssh.sudo: expected true or false, got the string 'false'",
    ),
    'single_queue: "no"': tb_case(
        trex("single_queue: true", 'single_queue: "no"'), "dut.single_queue"
    ),
    "forwarding_core: two": tb_case(
        trex("forwarding_core: 2 ", "forwarding_core: two "), "dut.forwarding_core"
    ),
    "ssh host like an option": tb_case(
        trex("host: 192.0.2.20", "host: -oProxyCommand=touch"), "dut.ssh.host"
    ),
    "negative capacity": tb_case(
        "kind: simulated\nbase_capacity_pps: -20\n", "base_capacity_pps: expected a number > 0"
    ),
    "negative kernel factor": tb_case(
        "kind: simulated\nkernel_factors: {vanilla: -1, fixed: 1}\n", "kernel_factors.vanilla"
    ),
    "lab variants: 5": tb_case("kind: lab\nvariants: 5\n", "variants: expected a list"),
    "lab unknown NIC profile": tb_case("kind: lab\nnic: e1000\n", "nic: expected one of"),
    "lab late_is_loss: 'no'": tb_case("kind: lab\nlate_is_loss: 'no'\n", "late_is_loss"),
    "preflight of a lab file with an unknown NIC profile": Case(
        {"tb.yaml": "kind: lab\nnic: e1000\n"},
        lambda d: ["preflight", "--testbed", str(d / "tb.yaml")],
        "nic: expected one of",
    ),
    "kernel the testbed lacks": Case(
        {"c.yaml": CAMPAIGN.replace("fixed", "debian-6.1"), "tb.yaml": SIM},
        dry_run(),
        "kernels: debian-6.1 not offered",
    ),
    # --- campaign values the kernel or iproute2 would refuse later -----------------------------
    "trace_size: 0": campaign_case(
        sweep("protocol: ioam6\n    modes: [encap]\n    trace_size: [0]"),
        "sweeps[0].trace_size[0]: expected an integer 4..244, a multiple of 4, got 0",
    ),
    "seg6 60 segments": campaign_case(
        sweep("protocol: seg6\n    modes: [encap]\n    segments: [60]"),
        "iproute2 6.1 fits at most 59",
    ),
    "seg6 127 segments": campaign_case(
        sweep("protocol: seg6\n    modes: [encap]\n    segments: {from: 100, to: 127}"),
        "sweeps[0].segments: 100 (encap)",
    ),
    "200 RPL addresses": campaign_case(rpl_addresses(200), "sweeps[0].address_sets.big"),
    "repetitions: '3'": campaign_case(CAMPAIGN + "repetitions: '3'\n", "repetitions"),
    "run name with a slash": campaign_case(CAMPAIGN.replace("name: t", "name: ../t"), "name:"),
    # --- command options -----------------------------------------------------------------------
    "--segs ''": Case({}, pcap(lambda d: d / "x.pcap", "--segs", ""), "segments[0]=''"),
    "pcap into a missing folder": Case(
        {}, pcap(lambda d: d / "missing" / "x.pcap", "--segments", "3"), "does not exist"
    ),
    "pcap into a file": Case(
        {"f": "x"}, pcap(lambda d: d / "f" / "x.pcap", "--segments", "3"), "is a file"
    ),
    "pcap onto a folder": Case(
        {"dir/keep": "x"}, pcap(lambda d: d / "dir", "--segments", "3"), "is a directory"
    ),
    "figures onto a file": Case(
        {"out": "x"},
        lambda d: ["figures", "--data", str(DATA), "--output-dir", str(d / "out")],
        "is a file, not a folder",
    ),
    "lab run --run ../x": Case(
        {}, lambda d: ["lab", "run", "--campaign", "quick", "--run", "../x"], "--run '../x'"
    ),
    "lab rounds --output into a missing folder": Case(
        {},
        lambda d: ["lab", "rounds", "--output", str(d / "missing" / "r.json")],
        "does not exist",
    ),
    "--run ../../x": Case(
        {"c.yaml": CAMPAIGN, "tb.yaml": SIM},
        lambda d: [
            "run",
            "--campaign",
            str(d / "c.yaml"),
            "--testbed",
            str(d / "tb.yaml"),
            "--data",
            str(d / "data"),
            "--run",
            "../../x",
        ],
        "--run '../../x': is not a plain name",
    ),
}


def snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``roots`` with its size and modification time."""
    out = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            st = path.lstat()
            out[str(path)] = (st.st_size, st.st_mtime_ns)
    return out


OTHER_RUN = re.compile(r"lwtb[\w.-]*?-(\d+)-")
"""The project's namespaces and links carry the pid of the process that made them."""

TEST_MACHINE = re.compile(r"\D(\d+)$")
"""Virtual DUTs started by tests are named ``<letter><pid>`` (tests/vm)."""


def other_runs_vm_taps() -> set[str]:
    """Tap devices of virtual DUTs that another test process runs (``make test`` runs the VM
    tests beside the others), and of an image's first boot. Their names carry no pid, so they
    are found from the machine folders, which exist before a machine's taps and outlive
    them."""
    root = vm_root() / "machines"
    taps: set[str] = set()
    if root.is_dir():
        for folder in root.iterdir():
            m = TEST_MACHINE.search(folder.name)
            # build-*: the image's first boot (vm create), which a refused command never starts
            if folder.name.startswith(FIRST_BOOT_PREFIX) or (m and int(m.group(1)) != os.getpid()):
                taps.update(MachineConfig(name=folder.name).taps())
    return taps


def host_state() -> tuple[str, ...]:
    """Network namespaces and links: what a lab or DUT run would change first. Those named for
    another process are left out: a test run beside this one (another CI job, a developer's
    lab, the VM tests) changes the host too, and the command checked here runs in this
    process."""
    state = []
    if shutil.which("ip"):
        # machine folders listed before and after the links: a tap seen in between belongs to a
        # folder present at one of the two listings (a VM lives far longer than this check)
        others = other_runs_vm_taps()
        outs = [
            subprocess.run(args, capture_output=True, text=True).stdout
            for args in (["ip", "netns", "list"], ["ip", "-o", "link", "show"])
        ]
        others |= other_runs_vm_taps()
        for out in outs:
            mine = [
                line
                for line in out.splitlines()
                if ((m := OTHER_RUN.search(line)) is None or int(m.group(1)) == os.getpid())
                and not any(f" {tap}:" in line or f" {tap}@" in line for tap in others)
            ]
            state.append("\n".join(mine))
    return tuple(state)


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_clear_error(tmp_path, capsys, name):
    case = CASES[name]
    for rel, content in case.files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    before, host = snapshot(tmp_path, DATA), host_state()

    code, err = run_cli(case.argv(tmp_path), capsys)

    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("lwtbench: error: "), err
    assert case.expected in lines[0], lines[0]
    assert "Traceback" not in err
    assert snapshot(tmp_path, DATA) == before, "a file changed"
    assert host_state() == host, "the host changed"


def tampered_run(tmp_path: Path, edit: Callable[[list[str]], list[str]]) -> Path:
    """A copy of a shipped run under ``tmp_path/data`` with its trials.csv lines edited."""
    run = tmp_path / "data" / "lab-rates-debian" / "r"
    shutil.copytree(SHIPPED_RUN, run)
    lines = (run / "trials.csv").read_text().splitlines(keepends=True)
    (run / "trials.csv").write_text("".join(edit(lines)))
    return run


def replace_field(line: str, column: int, value: str) -> str:
    import csv
    import io

    row = next(csv.reader([line]))
    row[column] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    return buf.getvalue()


def _column(name: str) -> int:
    from lwtbench.results.schema import COLUMNS

    return COLUMNS.index(name)


@pytest.mark.parametrize(
    "column, value, expected",
    [
        ("intended_load_pps", "-20.0", "intended_load_pps=-20.0: expected a finite number > 0"),
        ("intended_load_pps", "nan", "intended_load_pps=nan"),
        ("received", "-5", "received=-5: expected >= 0"),
        ("loss_ratio", "nan", "loss_ratio=nan"),
        ("loss_ratio", "1.5", "loss_ratio=1.5"),
        ("reallocs_per_packet", "-1", "reallocs_per_packet=-1.0"),
        ("search_id", "fixed/0/ipv6/none/none=0/fs=1514", "search_id="),
    ],
)
def test_impossible_trial_values_never_reach_a_claim(tmp_path, capsys, column, value, expected):
    index = _column(column)
    run = tampered_run(tmp_path, lambda ls: [ls[0], replace_field(ls[1], index, value), *ls[2:]])
    before = snapshot(tmp_path, DATA)
    code, err = run_cli(["claims", "--data", str(tmp_path / "data")], capsys)
    assert code == 2, err
    assert f"{run / 'trials.csv'}: line 2: {expected}" in err
    assert snapshot(tmp_path, DATA) == before


def test_negative_search_throughput_is_refused(tmp_path, capsys):
    run = tampered_run(tmp_path, lambda ls: ls)
    lines = (run / "searches.jsonl").read_text().splitlines(keepends=True)
    (run / "searches.jsonl").write_text(
        "".join([lines[0].replace('"throughput_pps": ', '"throughput_pps": -', 1), *lines[1:]])
    )
    code, err = run_cli(["claims", "--data", str(tmp_path / "data")], capsys)
    assert code == 2 and f"{run / 'searches.jsonl'}: line 1: goals." in err, err


def test_run_folder_without_run_json_is_named(tmp_path, capsys):
    run = tampered_run(tmp_path, lambda ls: ls)
    (run / "run.json").unlink()
    code, err = run_cli(["claims", "--data", str(tmp_path / "data")], capsys)
    assert code == 2 and f"{run / 'run.json'}: missing" in err, err


def test_unreadable_run_json_is_named(tmp_path, capsys):
    run = tampered_run(tmp_path, lambda ls: ls)
    (run / "run.json").write_bytes(b"{\xff")
    code, err = run_cli(["claims", "--data", str(tmp_path / "data")], capsys)
    assert code == 2 and f"{run / 'run.json'}: not valid JSON" in err, err


def test_figures_name_the_bad_data_file_before_any_notebook(tmp_path, capsys):
    run = tampered_run(tmp_path, lambda ls: [ls[0], replace_field(ls[1], 13, "-20"), *ls[2:]])
    out = tmp_path / "out"
    code, err = run_cli(
        ["figures", "--data", str(tmp_path / "data"), "--output-dir", str(out)], capsys
    )
    assert code == 2 and f"{run / 'trials.csv'}: line 2: intended_load_pps" in err, err
    assert not out.exists() or not any(out.rglob("*.ipynb")), "a notebook ran"


def test_closed_stdout_pipe_ends_without_a_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-m", "lwtbench", "model", "platforms"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=TOP,
    )
    proc.stdout.close()  # the reader goes away before the first line is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode == 128 + signal.SIGPIPE, err
    assert err.strip() == "lwtbench: output closed early (broken pipe)"


def test_shipped_inputs_still_load(capsys):
    """The guard of the corpus: the shipped files pass the same validation."""
    from lwtbench.scenario.campaign import CAMPAIGN_DIR, load_campaign
    from lwtbench.testbeds.testbed_file import load_testbed_factory

    for path in CAMPAIGN_DIR.glob("*.yaml"):
        load_campaign(path)
    for name in ("testbed.example.yaml", "testbed.lab.yaml"):
        load_testbed_factory(TOP / "env" / name)
    assert os.path.isdir(DATA)
    assert main(["claims", "--data", str(DATA)]) == 0
    capsys.readouterr()


def test_host_state_sees_this_process_namespaces_and_not_another_runs():
    """The host check above must still catch a namespace this process makes."""
    if os.geteuid() != 0:
        pytest.skip("needs root to add network namespaces")
    before = host_state()
    mine, other = f"lwtb-check-{os.getpid()}-a", "lwtb-check-1-a"  # pid 1 is never a test run
    subprocess.run(["ip", "netns", "add", other], check=True)
    try:
        assert host_state() == before
        subprocess.run(["ip", "netns", "add", mine], check=True)
        try:
            assert host_state() != before
        finally:
            subprocess.run(["ip", "netns", "del", mine], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", other], check=True)
    assert host_state() == before


def test_host_state_leaves_out_only_another_runs_vm_taps():
    """A virtual DUT of the VM tests, run beside this process, does not read as a change; a
    tap of a machine named for this process still does."""
    if os.geteuid() != 0:
        pytest.skip("needs root to add tap devices")
    before = host_state()
    made: list[tuple[Path, str]] = []
    try:
        # pid 1 is never a test run; build-*: an image's first boot
        for name in ("x1", f"{FIRST_BOOT_PREFIX}lwtbtest", f"x{os.getpid()}"):
            folder = vm_root() / "machines" / name
            folder.mkdir(parents=True)
            tap = MachineConfig(name=name).taps()[0]
            made.append((folder, tap))
            subprocess.run(["ip", "tuntap", "add", "dev", tap, "mode", "tap"], check=True)
            if name != f"x{os.getpid()}":
                assert host_state() == before
            else:
                assert host_state() != before
    finally:
        for folder, tap in made:
            subprocess.run(["ip", "link", "del", tap], check=False)
            shutil.rmtree(folder)
    assert host_state() == before

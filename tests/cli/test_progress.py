"""Progress lines: elapsed time and the time left from the runners' DONE/TOTAL counts."""

from __future__ import annotations

import io

import pytest

from lwtbench.cli import progress as progress_mod
from lwtbench.cli.kernel import BuildProgress, expected_make_lines
from lwtbench.cli.progress import COUNT_RE, Progress, remaining_s


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(progress_mod.time, "monotonic", c)
    return c


def test_remaining_time_follows_the_rate_seen():
    assert remaining_s(done=5, total=20, first_done=0, elapsed_s=10.0) == pytest.approx(30.0)
    assert remaining_s(done=3, total=20, first_done=3, elapsed_s=10.0) is None  # no rate yet
    assert remaining_s(done=20, total=20, first_done=0, elapsed_s=10.0) == 0


@pytest.mark.parametrize(
    ("line", "count"),
    [
        ("[3/40] vanilla/0/seg6/encap/segments=13/fs=1514: 27 trials", (3, 40)),
        ("vanilla: 26/200 seg6-encap-13 -> 2", (26, 200)),
        ("fixed: 4/30 rounds", (4, 30)),
        ("kernel vanilla: switching", None),
        ("data/quick/r: 4 searches, 0 already done", None),
    ],
)
def test_the_count_in_a_runner_line(line, count):
    m = COUNT_RE.search(line)
    assert (m and (int(m.group(1)), int(m.group(2)))) == count


def test_lines_carry_elapsed_and_left_per_label(clock):
    out = io.StringIO()
    p = Progress("run", stream=out, bars=False)
    clock.now += 10
    p("vanilla: 1/4 rounds")  # 1 round in the 10 s since the start: 3 left, 30 s
    clock.now += 10
    p("fixed: 1/4 rounds")  # fixed's own rate: 1 round in 10 s
    clock.now += 5
    p("kernel fixed: switching")
    clock.now += 15
    p("vanilla: 3/4 rounds")  # 3 rounds in the 40 s since the start: 1 left, 13 s
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("[00:10 elapsed, 00:30 left]")
    assert lines[1].endswith("[00:20 elapsed, 00:30 left]")
    assert lines[2] == "kernel fixed: switching  [00:25]"
    assert lines[3].endswith("[00:40 elapsed, 00:13 left]")


def test_bars_on_a_terminal_use_tqdm_and_leave_stdout_alone(clock, capsys):
    err = io.StringIO()
    with Progress("lab run", stream=err, bars=True) as p:
        for i in range(1, 5):
            clock.now += 2
            p(f"[{i}/4] search {i}")
    assert "lab run" in err.getvalue() and "4/4" in err.getvalue()
    assert capsys.readouterr().out == ""


def test_kernel_build_progress_gets_a_total_from_the_last_full_build_log(tmp_path, clock):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "uml-vanilla-counting-20261130T102904Z.log").write_text(
        "$ make ... defconfig\nx\n$ make -C src O=obj ARCH=um CC=ccache gcc -j2 linux\n"
        + "  CC  a.o\n" * 1000
    )
    (logs / "uml-fixed-counting-20261130T103612Z.log").write_text(  # a cached rebuild: short
        "$ make -C src O=obj ARCH=um -j2 linux\n" + "  CC  a.o\n" * 30
    )
    (logs / "uml-fixed-timing-20261130T111604Z.log").write_text(
        "$ make -C src O=obj ARCH=um -j2 linux\n" + "  CC  a.o\n" * 5000
    )
    assert expected_make_lines(logs, "counting") == 1000
    assert expected_make_lines(tmp_path / "none", "counting") is None
    out = io.StringIO()
    p = BuildProgress("vanilla", stream=out, bars=False)
    p.expected = 1000
    clock.now += 30
    p("make linux: 200 lines, last: CC net/ipv6/seg6_iptunnel.o")
    clock.now += 30
    p("make linux: 400 lines, last: CC net/ipv6/ioam6_iptunnel.o")
    last = out.getvalue().splitlines()[-1]
    assert "400/1000 lines (estimated total)" in last and last.endswith("01:30 left]")

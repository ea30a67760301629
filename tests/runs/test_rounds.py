"""The paired-round machinery on real lab kernels (counting builds: mechanics, not effect size)."""

from __future__ import annotations

import os

import pytest

from lwtbench.runs.rounds import RoundSettings, run_rounds
from lwtbench.testbeds.lab.nic import nic_profile

pytestmark = [pytest.mark.kernel, pytest.mark.root, pytest.mark.slow]


def test_rounds_measure_three_points_per_round_on_alternating_kernels():
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab boots UML with the host's / as root file system")
    settings = RoundSettings(
        rounds=3, rounds_per_boot=2, packets=2000, warmup=20, flavour="counting"
    )
    result = run_rounds(settings, ("vanilla", "fixed"), nic_profile("i40e"))
    assert set(result.estimates) == {"vanilla", "fixed"}
    assert len(result.measurements) == 2 * 3 * 3
    for m in result.measurements:
        assert m["forwarded"] == m["sent"] == 2000
        assert m["t_per_packet_s"] > 0
    # Each round holds N-1, N and N+1 once; kernels were booted in blocks of two rounds.
    order = [m["kernel_variant"] for m in result.measurements[::3]]
    assert order == ["vanilla", "vanilla", "fixed", "fixed", "vanilla", "fixed"]
    assert result.to_dict()["settings"]["param"] == 13

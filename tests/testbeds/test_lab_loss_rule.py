"""The lab's loss rule: packets pktgen sends after a trial's intended duration are lost.

In the lab an overloaded DUT drops nothing (pktgen shares its kernel and slows down instead),
so without this rule every rate search would climb to its maximum load.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lwtbench.errors import InputFileError
from lwtbench.packets.route import Seg6Route
from lwtbench.packets.segments import seg6_segments
from lwtbench.scenario.point import ScenarioPoint
from lwtbench.testbeds.lab.kind import lab_kind as _lab_kind
from lwtbench.testbeds.lab.testbed import on_time_counts


def test_on_time_counts_keeps_what_fits_the_intended_duration():
    # on time: nothing changes
    assert on_time_counts(1000, 1000, 0.05, 50_000) == (1000, 1000)
    assert on_time_counts(1000, 990, 0.05, 40_000) == (1000, 990)
    # 171.7 ms for a 50 ms trial (measured at 3.2 Mpps intended): 29 % fit
    assert on_time_counts(160_000, 160_000, 0.05, 171_700) == (46_592, 46_592)
    with pytest.raises(ValueError, match="elapsed_us"):
        on_time_counts(10, 10, 0.05, 0)


def test_testbed_file_takes_the_rule_and_refuses_a_non_boolean(tmp_path):
    path = Path(tmp_path / "lab.yaml")
    assert callable(_lab_kind({"kind": "lab", "late_is_loss": False}, path))
    with pytest.raises(InputFileError, match="late_is_loss"):
        _lab_kind({"kind": "lab", "late_is_loss": "maybe"}, path)


@pytest.mark.kernel
@pytest.mark.slow
def test_an_overloaded_lab_dut_now_loses_packets():
    if os.geteuid() != 0:
        pytest.skip("needs root: the lab boots UML with the host's / as root file system")
    from lwtbench.testbeds.lab.testbed import LabTestbed

    point = ScenarioPoint(Seg6Route("encap", seg6_segments(13)), "segments", 13)
    testbed = LabTestbed(nic="i40e", flavour="counting", variants=("vanilla",))
    try:
        testbed.use_kernel("vanilla")
        with testbed.prepare(point) as measurer:
            light = measurer.measure(20_000, 0.1)
            heavy = measurer.measure(20_000_000, 0.02)
    finally:
        testbed.close()
    # 20 Mpps is far beyond a UML DUT (~1 Mpps measured): most of the trial comes late.
    assert heavy.loss_ratio > 0.5, heavy
    assert heavy.extra["raw_sent"] > heavy.sent
    assert light.loss_ratio < 0.2, light
    assert light.extra["loss_rule"].startswith("packets sent after")

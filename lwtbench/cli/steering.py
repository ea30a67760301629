"""Where a campaign's adaptive rounds expect the kernels apart: the headroom model's word.

The runs package never imports the model (the analysis holds measurements against it), so the
steering of adaptive rounds (:class:`lwtbench.runs.adaptive.Steering`) is derived here, once,
by ``lwtbench run`` and by ``benchmarks/lab_sweep.py`` alike, and recorded in the run's
run.json; a resume reads it from there.
"""

from __future__ import annotations

from pathlib import Path

from ..analysis.predictions import lab_reallocs
from ..runs.adaptive import Steering, steering_from_predictions
from ..scenario.campaign import Campaign
from ..testbeds.lab.nic import nic_profile
from ..testbeds.testbed_file import read_testbed_yaml


def lab_predictions(campaign: Campaign, forward_headroom: int) -> dict[str, dict[str, int]]:
    """Point id -> kernel -> reallocations per packet the model predicts on a lab DUT with
    ``forward_headroom`` bytes before the IPv6 header (predictions, not measurements)."""
    return {
        p.point_id: {
            k: lab_reallocs(p.route, k, forward_headroom, p.src, p.dst)
            for k in campaign.kernels_for(p)
        }
        for p in campaign.points
    }


def lab_steering(campaign: Campaign, nic: str) -> Steering:
    """Points where two of the campaign's kernels differ in predicted reallocations on the lab
    with NIC profile ``nic``."""
    headroom = nic_profile(nic).forward_headroom
    return steering_from_predictions(
        lab_predictions(campaign, headroom),
        f"headroom model: kernels differ in predicted reallocations per packet "
        f"(software lab, NIC profile {nic}, {headroom} B before the IPv6 header)",
    )


def testbed_steering(campaign: Campaign, testbed_file: Path | str) -> Steering | None:
    """The steering of ``campaign`` on the testbed of ``testbed_file``: None for a campaign
    without adaptive rounds; the model's on the lab; none elsewhere (a hardware testbed file
    does not say its DUT's headroom)."""
    if not campaign.max_repetitions:
        return None
    data = read_testbed_yaml(testbed_file)
    if data.get("kind") == "lab":
        return lab_steering(campaign, str(data.get("nic", "i40e")))
    return Steering(
        frozenset(), f"none: a {data.get('kind')} testbed file gives no headroom to predict from"
    )

"""The analysis's view of the headroom model: platforms from run.json, predictions per point."""

from __future__ import annotations

import json

from lwtbench.analysis import dataset
from lwtbench.analysis.predictions import ModelView, run_platform
from lwtbench.runs.provenance import points_provenance
from lwtbench.scenario.campaign import load_campaign, parse_campaign

LAB_I40E = {
    "testbed": {"kind": "lab", "nic_profile": "i40e"},
    "dut": {"rx_headroom": 206, "host_cpu": "Some CPU"},
    "points": points_provenance(load_campaign("paper").points),
}


def test_lab_platform_is_uml_x86_with_the_recorded_headroom():
    plat = run_platform(LAB_I40E)
    assert plat is not None
    assert plat.forward_headroom == 206
    assert plat.net_skb_pad == 64


def test_a_run_that_does_not_describe_its_dut_gets_no_prediction():
    view = ModelView({"r": {"testbed": {"kind": "trex"}}})
    assert run_platform({"testbed": {"kind": "trex"}}) is None
    assert view.reallocs("r", "seg6", "encap", 13, "vanilla") is None
    assert view.doubles("r", "seg6", "encap", [13], "vanilla") is None


def test_hardware_run_naming_its_platform():
    prov = {"testbed": {"kind": "trex"}, "dut": {"platform": "x86_64/i40e"}}
    view = ModelView({"r": prov})
    assert view.doubles("r", "seg6", "encap", range(10, 22), "vanilla") == [13, 17, 21]


def test_predictions_for_the_lab_match_the_papers_points():
    view = ModelView({"r": LAB_I40E})
    assert view.doubles("r", "seg6", "encap", range(1, 25), "vanilla") == [13, 17, 21]
    assert view.doubles("r", "seg6", "encap.red", range(1, 25), "vanilla") == [14, 18, 22]
    assert view.doubles("r", "seg6", "inline", range(1, 25), "vanilla") == []
    assert view.doubles("r", "ioam6", "encap", range(4, 245, 4), "vanilla") == [196, 200]
    assert view.reallocs("r", "seg6", "encap", 13, "vanilla") == 2
    assert view.reallocs("r", "seg6", "encap", 13, "fixed") == 1
    assert view.reallocs("r", "seg6", "encap", 13, "no-such-kernel") is None


def test_rpl_points_are_the_routes_the_run_recorded():
    # paper.yaml: compress-8-30seg is the set the model says triggers. A set's index depends on
    # the order of the sets in the file (here key-sorted), so sets are matched by name.
    raw = json.loads(json.dumps(load_campaign("paper").raw, sort_keys=True))
    prov = {**LAB_I40E, "points": points_provenance(parse_campaign(raw, "sorted").points)}
    view = ModelView({"r": prov})
    names = ("compress-15", "no-compress", "compress-8-30seg")
    got = [view.reallocs("r", "rpl", "inline", k, "vanilla", name) for k, name in enumerate(names)]
    assert got == [0, 0, 2]


def test_a_run_without_recorded_points_gets_no_rpl_prediction():
    # The campaign is never re-parsed: RPL needs the recorded addresses, sizes do not suffice.
    prov = {k: v for k, v in LAB_I40E.items() if k != "points"}
    prov["campaign"] = {"content": load_campaign("paper").raw}
    view = ModelView({"r": prov})
    assert view.reallocs("r", "rpl", "inline", 2, "vanilla", "compress-8-30seg") is None
    assert view.reallocs("r", "seg6", "encap", 13, "vanilla") == 2


def test_cache_line_and_driver_dependence():
    assert ModelView.cache_line_triggers(64)[:3] == [13, 17, 21]
    assert ModelView.cache_line_triggers(128)[:2] == [17, 25]
    drivers = ModelView.driver_triggers()
    assert drivers["i40e"] == (192, ModelView.cache_line_triggers(64))
    assert "reallocate twice (prediction)" in ModelView.rpl_possible()


def test_testbed_labels_say_lab_or_what_the_hardware_is():
    assert dataset.testbed_label(LAB_I40E) == (
        "software lab: UML kernels, veth + pktgen, i40e headroom emulated (206 B at IPv6), "
        "host Some CPU"
    )
    assert (
        dataset.testbed_label({"testbed": {"kind": "trex"}})
        == "trex, DUT not described in run.json"
    )
    assert dataset.testbed_label({}) == "unknown testbed"


def test_trex_lab_runs_are_labelled_as_such_and_predicted_as_the_lab():
    # The real TRex server towards the lab's UML DUT (kind trex_lab, as its run.json says).
    trex_lab = {
        **LAB_I40E,
        "testbed": {"kind": "trex_lab", "nic_profile": "i40e-vector"},
    }
    assert dataset.testbed_label(trex_lab) == (
        "TRex -> UML DUT (software lab), i40e-vector headroom emulated (206 B at IPv6), "
        "host Some CPU"
    )
    plat = run_platform(trex_lab)
    assert plat is not None and plat.forward_headroom == 206
    view = ModelView({"r": trex_lab})
    assert view.doubles("r", "ioam6", "inline", range(4, 245, 4), "vanilla") == [236, 240]

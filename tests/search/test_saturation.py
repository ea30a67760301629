"""The saturation method against the seeded simulated DUT (a model, not a measurement)."""

from __future__ import annotations

import pytest

from lwtbench.errors import ParameterError
from lwtbench.search.recording import RecordingMeasurer
from lwtbench.search.saturation import SEARCH_NAME, SaturationSettings, saturation_search
from lwtbench.search.simulated import SimulatedDut

CAPACITY = 1_234_567.0


def test_a_burst_above_capacity_measures_the_capacity():
    outcome = saturation_search(
        SimulatedDut(CAPACITY), SaturationSettings(load_pps=3e6, duration_s=0.5)
    )
    goal = outcome.goal("saturation")
    assert outcome.search == SEARCH_NAME
    assert len(outcome.trials) == 1
    assert goal.throughput_pps == pytest.approx(CAPACITY, rel=1e-5)
    assert goal.attributes["saturating"] is True
    assert goal.upper_bound_pps == goal.lower_bound_pps == goal.throughput_pps


def test_a_burst_the_dut_keeps_up_with_is_flagged_and_only_a_lower_bound():
    outcome = saturation_search(
        SimulatedDut(CAPACITY), SaturationSettings(load_pps=1.1e6, duration_s=0.5)
    )
    goal = outcome.goal("saturation")
    assert goal.attributes["saturating"] is False
    assert goal.throughput_pps == pytest.approx(1.1e6)
    assert goal.upper_bound_pps is None


def test_a_generator_short_of_the_load_counts_as_loss_and_saturates():
    # The lab's pktgen is slowed by the DUT: packets not sent in time count as lost
    # (TrialResult.loss_ratio), so the burst is saturating and the rate is what came out.
    dut = SimulatedDut(CAPACITY, generator_limit_pps=CAPACITY)
    goal = saturation_search(dut, SaturationSettings(load_pps=3e6)).goal("saturation")
    assert goal.attributes["saturating"] is True
    assert goal.throughput_pps == pytest.approx(CAPACITY, rel=1e-5)


def test_overload_collapse_shows_below_the_loss_free_rate():
    # Made-up overload model: the saturation rate is what the DUT forwards under overload,
    # which is why the sweep cross-checks a sample of points against MLRsearch.
    dut = SimulatedDut(CAPACITY, overload_slope=0.1)
    goal = saturation_search(dut, SaturationSettings(load_pps=2 * CAPACITY)).goal("saturation")
    assert goal.throughput_pps < 0.95 * CAPACITY


def test_warmup_is_recorded_and_marked():
    committed = []
    rec = RecordingMeasurer(SimulatedDut(CAPACITY), on_trial=lambda i, t: committed.append(t))
    outcome = saturation_search(rec, SaturationSettings(load_pps=3e6, warmup_s=0.01))
    assert [t.warmup for t in committed] == [True, False]
    assert committed[0].duration_s == 0.01
    assert len(outcome.trials) == 2


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"load_pps": 0}, "load_pps"), ({"duration_s": -1}, "duration_s"),
     ({"min_loss_ratio": 1.0}, "min_loss_ratio"), ({"warmup_s": -0.1}, "warmup_s")],
)  # fmt: skip
def test_bad_settings_name_the_setting(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        SaturationSettings(**kwargs)

"""The model explorer of model.ipynb: its callback (render) against the model's known trigger
points, the custom platforms, the refusals, the widgets driving it, and the matplotlib backend
left to the notebook's user."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import matplotlib.pyplot as plt
import pytest

from lwtbench.errors import ParameterError, UnknownPlatformError
from lwtbench.figures import headroom
from lwtbench.figures.explore import (
    CUSTOM,
    Setting,
    check_setting,
    compared_variants,
    explorer,
    first_trigger,
    parse_platforms,
    protocol_mode_choices,
    render,
    setting_platform,
    steps_table,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_default_setting_is_the_papers_ioam_encap_trigger():
    view = render(Setting())
    assert view.platform.name == "x86_64/i40e" and view.platform.forward_headroom == 206
    assert 196 in view.triggers["vanilla"] and view.triggers["mitigated"] == []
    assert view.traces["vanilla"].reallocs == 2 and view.traces["mitigated"].reallocs == 1
    assert "model prediction" in view.summary() and "196" in view.summary()


def test_seg6_encap_triggers_every_four_segments_from_13():
    view = render(Setting(protocol="seg6", mode="encap", param=13))
    assert view.triggers["vanilla"] == [13, 17, 21, 25, 29]  # C5


def test_a_custom_cpu_with_i40es_numbers_predicts_what_the_catalog_does():
    catalog = render(Setting(protocol="seg6", mode="encap", param=13))
    custom = render(
        Setting(
            cpu=CUSTOM,
            cache_line=64,
            nic=CUSTOM,
            rx_headroom=192,
            protocol="seg6",
            mode="encap",
            param=13,
        )
    )
    assert custom.platform.name.startswith("custom(")
    assert custom.triggers == catalog.triggers
    assert [s.headroom_after for s in custom.traces["vanilla"].steps] == [
        s.headroom_after for s in catalog.traces["vanilla"].steps
    ]


def test_a_catalog_cpu_with_a_headroom_of_ones_own_keeps_the_arch_pad():
    plat = setting_platform(Setting(cpu="s390x", nic=CUSTOM, rx_headroom=100))
    assert plat.net_skb_pad == 32 and plat.smp_cache_bytes == 256  # s390x sets NET_SKB_PAD 32
    assert plat.rx_headroom == 100 and plat.name == "s390x/rx_headroom=100"


def test_a_larger_headroom_moves_the_triggers():
    small = render(Setting(nic=CUSTOM, rx_headroom=192, protocol="seg6", mode="encap", param=13))
    large = render(Setting(nic=CUSTOM, rx_headroom=320, protocol="seg6", mode="encap", param=13))
    assert small.triggers["vanilla"] != large.triggers["vanilla"]


def test_render_draws_with_the_static_figures_functions(monkeypatch):
    import lwtbench.figures.explore as explore

    called = []

    def spy(name, real):
        def wrapped(*args, **kwargs):
            called.append(name)
            return real(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(explore, "trigger_map_figure", spy("map", headroom.trigger_map_figure))
    monkeypatch.setattr(explore, "skb_head_figure", spy("head", headroom.skb_head_figure))
    view = render(Setting())
    assert called == ["map", "head"]
    # the chosen platform first, the paper's DUT for reference only when it differs
    assert len(view.trigger_map.axes[0].get_yticklabels()) == 1
    other = render(Setting(cpu="arm64", nic="mlx5"))
    labels = [t.get_text() for t in other.trigger_map.axes[0].get_yticklabels()]
    assert labels[0].startswith("arm64/mlx5") and labels[1].startswith("x86_64/i40e")


@pytest.mark.parametrize(
    ("setting", "error", "words"),
    [
        (Setting(cpu=CUSTOM, nic="i40e"), ParameterError, "receive headroom too"),
        (Setting(cpu="vax"), ParameterError, "vax"),
        (Setting(nic="e1000"), UnknownPlatformError, "e1000"),
        (Setting(kernel="6.13"), ParameterError, "kernel"),
        (Setting(protocol="seg6", mode="encap", param=0), ParameterError, "segments=0"),
        (Setting(param=197), ParameterError, "trace_size=197"),
        (Setting(mode="bogus"), ParameterError, "bogus"),
        (Setting(cpu=CUSTOM, nic=CUSTOM, cache_line=48), ParameterError, "power of two"),
    ],
)
def test_bad_settings_are_refused_with_a_message(setting, error, words):
    with pytest.raises(error, match=words):
        check_setting(setting)


def test_compared_kernels_and_first_trigger():
    assert compared_variants("vanilla") == ("vanilla", "mitigated")
    assert compared_variants("mitigated") == ("mitigated", "vanilla")
    assert first_trigger(Setting(protocol="seg6", mode="encap", param=1)) == 13
    assert first_trigger(Setting(kernel="mitigated", param=100)) == 100  # none: unchanged
    assert (
        "seg6 encap.red" in protocol_mode_choices() and "ioam6 auto" not in protocol_mode_choices()
    )


def test_steps_table_follows_the_trace():
    trace = render(Setting()).traces["vanilla"]
    table = steps_table(trace)
    assert len(table) == len(trace.steps)
    assert table["realloc_bytes"].gt(0).sum() == trace.reallocs == 2


def test_parse_platforms():
    assert parse_platforms("") == list(headroom.DEFAULT_PLATFORMS)
    assert parse_platforms("x86_64/i40e, um/vector,headroom=64,arm64/mlx5") == [
        "x86_64/i40e",
        "um/vector,headroom=64",
        "arm64/mlx5",
    ]
    with pytest.raises(UnknownPlatformError, match="e1000"):
        parse_platforms("x86_64/e1000")


def _shown(ex) -> tuple[str, list[bytes]]:
    """The explorer's text and images as the browser gets them (widget values)."""
    import ipywidgets as w

    kids = ex.form.children
    text = "".join(k.value for k in kids if isinstance(k, w.HTML))
    return text, [bytes(k.value) for k in kids if isinstance(k, w.Image)]


def test_the_widgets_drive_render():
    ex = explorer()
    assert ex.view is not None and ex.view.setting == Setting()
    text, images = _shown(ex)
    assert "x86_64/i40e" in text and "196, 200" in text and "ioam6_do_encap" in text
    assert len(images) == 2 and all(i.startswith(b"\x89PNG") for i in images)
    assert ex.controls["cache_line"].disabled and ex.controls["rx_headroom"].disabled
    ex.controls["protocol_mode"].value = "seg6 encap"
    assert ex.view.setting.protocol == "seg6" and ex.view.setting.param == 13  # first trigger
    assert ex.controls["param"].description == "segments"
    ex.controls["cpu"].value = CUSTOM
    assert ex.view is None and "receive headroom too" in ex.error  # refused, said why
    text, images = _shown(ex)
    assert "not drawn" in text and "receive headroom too" in text and images == [b"", b""]
    ex.controls["nic"].value = CUSTOM
    assert ex.error == "" and ex.view.platform.name == "custom(cache_line=64,rx_headroom=192)"
    ex.controls["rx_headroom"].value = 320
    assert ex.view.platform.rx_headroom == 320
    ex.controls["cpu"].value = "um"
    assert ("vector,headroom=64", "vector,headroom=64") in ex.controls["nic"].options
    ex.controls["nic"].value = "vector,headroom=64"
    assert ex.view.platform.name == "um/vector,headroom=64"
    assert replace(ex.setting(), param=13) == ex.view.setting


BACKEND = "import matplotlib; import lwtbench.figures.style; print(matplotlib.get_backend())"


def test_importing_the_figures_leaves_a_chosen_backend_alone():
    env = {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "PATH": "/usr/bin:/bin"}
    chosen = subprocess.run(
        [sys.executable, "-c", BACKEND], env=env, capture_output=True, text=True, check=True
    )
    assert chosen.stdout.strip() == "module://matplotlib_inline.backend_inline"
    batch = subprocess.run(
        [sys.executable, "-c", BACKEND],
        env={"PATH": "/usr/bin:/bin", "DISPLAY": ":0"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert batch.stdout.strip().lower() == "agg"  # headless by default, even with a DISPLAY

"""The headroom model, explored interactively: controls in, trigger map and worked example out.

:func:`explorer` builds the ipywidgets form of ``notebooks/model.ipynb``: a CPU (its cache
line) or a cache line of one's own, a NIC driver or a receive headroom of one's own, a kernel
variant, a protocol and mode, and the trace size or segment count of the worked example. Each
change calls :func:`render`, a plain function of a :class:`Setting` (what the tests call),
which draws with the same functions as the static figures (:mod:`lwtbench.figures.headroom`).
Everything shown is a model prediction, stamped as such.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import ParameterError
from ..model.platforms import ARCHES, DRIVERS, UML_DRIVERS, Platform, custom_platform, platform
from ..model.simulate import PacketTrace
from ..model.triggers import PROTOCOL_MODES, default_params, route_for, trace_point, triggers
from ..model.variants import VARIANTS, variant
from .headroom import DEFAULT_PLATFORMS, skb_head_figure, trigger_map_figure

if TYPE_CHECKING:
    import ipywidgets

CUSTOM = "custom"
"""The choice of the CPU or NIC control that takes a number instead of a catalog entry."""
REFERENCE_PLATFORM = "x86_64/i40e"
"""The paper's DUT, drawn beside the chosen platform in the trigger map."""
REFERENCE_VARIANT = "mitigated"
"""The kernel drawn beside the chosen one (the upstream series)."""


@dataclass(frozen=True)
class Setting:
    """What the explorer's controls say."""

    cpu: str = "x86_64"
    """An architecture of the model's catalog (``x86_64``, ``arm64``...) or ``custom``."""
    cache_line: int = 64
    """L1 cache line, bytes, when ``cpu`` is ``custom`` (NET_SKB_PAD = max(32, it))."""
    nic: str = "i40e"
    """A receive driver of the catalog (``i40e``, ``mlx5``...) or ``custom``."""
    rx_headroom: int = 192
    """Bytes in front of the Ethernet header as the driver leaves them, when ``nic`` is
    ``custom`` (192 is what i40e leaves on x86_64)."""
    kernel: str = "vanilla"
    """A kernel variant of the model (``vanilla``, ``mitigated``, ``debian-6.12``...)."""
    protocol: str = "ioam6"
    """ioam6, seg6 or rpl."""
    mode: str = "encap"
    """A mode of that protocol (ioam6: inline, encap; seg6: encap, encap.red, inline...)."""
    param: int = 196
    """Trace size in bytes (ioam6) or number of segments (seg6, rpl) of the worked example."""


def parse_platforms(text: str) -> list[str]:
    """The ``platforms`` parameter of model.ipynb: comma-separated catalog names, each checked
    (an unknown one is refused with the model's message); empty: the static figures' spread.

    The UML vector driver's own comma (``um/vector,headroom=64``) stays with its name.
    """
    names: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if "/" not in part and "=" in part and names:
            names[-1] += f",{part}"  # an option of the previous driver
        else:
            names.append(part)
    for name in names:
        platform(name)
    return names or list(DEFAULT_PLATFORMS)


def protocol_mode_choices() -> list[str]:
    """``"protocol mode"`` for every route the model covers (``auto`` is encap when forwarding)."""
    return [f"{p} {m}" for p, modes in PROTOCOL_MODES.items() for m in modes if m != "auto"]


def param_choices(protocol: str) -> range:
    """The sweep of the static trigger maps: trace sizes 4..244 step 4, or 1..30 segments."""
    return default_params(protocol)


def driver_choices(cpu: str) -> list[str]:
    """The receive drivers the model has for ``cpu`` (User-Mode Linux has no PCI NICs)."""
    if cpu == "um":
        return ["vector,headroom=2", "vector,headroom=64", *UML_DRIVERS]
    return list(DRIVERS)


def nic_options(cpu: str) -> list[tuple[str, str]]:
    """(label, value) of the NIC control: the drivers of ``cpu``, then a headroom of one's own."""
    return [(d, d) for d in driver_choices(cpu)] + [("custom receive headroom", CUSTOM)]


def setting_platform(s: Setting) -> Platform:
    """The platform of a setting: a catalog entry, or one built from the numbers given.

    A driver's formula needs the architecture (NET_IP_ALIGN, page size), so a custom cache line
    goes with a custom receive headroom, as ``lwtbench model --cache-line --rx-headroom``.
    """
    if s.cpu == CUSTOM:
        if s.nic != CUSTOM:
            raise ParameterError(
                "nic",
                s.nic,
                "with a custom cache line, give the receive headroom too (nic = custom)",
                "a driver's formula depends on the architecture, which a cache line alone "
                "does not say",
            )
        return custom_platform(s.cache_line, s.rx_headroom)
    if s.cpu not in ARCHES:
        raise ParameterError("cpu", s.cpu, f"one of {', '.join(ARCHES)}, or {CUSTOM}")
    if s.nic != CUSTOM:
        return platform(f"{s.cpu}/{s.nic}")
    arch = ARCHES[s.cpu]
    # The architecture's own NET_SKB_PAD (s390x sets 32 with a 256 B line), not max(32, line).
    built = custom_platform(arch.l1_cache_bytes, s.rx_headroom)
    return replace(
        built,
        name=f"{s.cpu}/rx_headroom={s.rx_headroom}",
        net_skb_pad=arch.net_skb_pad,
        source=f"{arch.source}; receive headroom given",
    )


def compared_variants(kernel: str) -> tuple[str, ...]:
    """The chosen kernel and the one it is compared with (vanilla for the mitigated one)."""
    variant(kernel)  # the CLI's check and message
    other = "vanilla" if kernel == REFERENCE_VARIANT else REFERENCE_VARIANT
    return (kernel, other)


def check_setting(s: Setting) -> Platform:
    """Every check of the CLI on a setting; the platform it names."""
    modes = PROTOCOL_MODES.get(s.protocol)
    if modes is None:
        raise ParameterError("protocol", s.protocol, f"one of {', '.join(PROTOCOL_MODES)}")
    if s.mode not in modes:
        raise ParameterError("mode", s.mode, f"for {s.protocol}: one of {', '.join(modes)}")
    route_for(s.protocol, s.mode, s.param)  # what `lwtbench model explain --param` checks
    variant(s.kernel)
    return setting_platform(s)


@dataclass(frozen=True)
class View:
    """What the explorer shows for one setting."""

    setting: Setting
    """The setting it was computed for."""
    platform: Platform
    """The platform the setting names."""
    triggers: dict[str, list[int]]
    """Kernel variant -> the params at which a packet is reallocated twice or more."""
    traces: dict[str, PacketTrace]
    """Kernel variant -> the worked example at ``setting.param``."""
    trigger_map: plt.Figure
    """The trigger map (same function as ``out/model/model_trigger_map_*``)."""
    worked_example: plt.Figure
    """The skb head update step by step (same function as ``model_worked_example``)."""

    def _summary_parts(self) -> tuple[str, str, list[str]]:
        """Platform name, its numbers, and one line per kernel and per worked example."""
        p = self.platform
        what = "trace size" if self.setting.protocol == "ioam6" else "segments"
        numbers = (
            f"receive headroom {p.rx_headroom} B, {p.forward_headroom} B after the Ethernet "
            f"pull, NET_SKB_PAD {p.net_skb_pad}, cache line {p.smp_cache_bytes} B "
            "(model prediction, not a measurement)"
        )
        lines = []
        for name, at in self.triggers.items():
            shown = ", ".join(map(str, at)) if at else "none"
            lines.append(f"{name}: double reallocation at {what} {shown}")
        for name, t in self.traces.items():
            lines.append(
                f"worked example, {name}: {t.inserted} B inserted, {t.reallocs} "
                f"reallocation(s) ({'+'.join(map(str, t.expansions)) or 'none'} B)"
            )
        return p.name, numbers, lines

    def summary(self) -> str:
        """A few lines of Markdown: the platform's numbers and where each kernel triggers."""
        name, numbers, lines = self._summary_parts()
        return "\n".join([f"**{name}**: {numbers}", "", *(f"- {line}" for line in lines)])

    def summary_html(self) -> str:
        """The same as :meth:`summary`, as HTML (the explorer's text)."""
        name, numbers, lines = self._summary_parts()
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        return f"<p><b>{html.escape(name)}</b>: {html.escape(numbers)}</p><ul>{items}</ul>"


def png_bytes(fig: plt.Figure) -> bytes:
    """``fig`` as PNG (the notebook's figure resolution), then closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def steps_table(trace: PacketTrace) -> pd.DataFrame:
    """One row per step of a worked example: where, what, headroom before/after, growth."""
    return pd.DataFrame(
        [
            {
                "where": s.where,
                "action": s.action,
                "headroom_before": s.headroom_before,
                "headroom_after": s.headroom_after,
                "realloc_bytes": s.expansion_bytes if s.realloc else 0,
            }
            for s in trace.steps
        ]
    )


def render(s: Setting) -> View:
    """Compute and draw everything the explorer shows for ``s`` (the widgets' callback)."""
    plat = check_setting(s)
    kernels = compared_variants(s.kernel)
    params = param_choices(s.protocol)
    found = {k: triggers(s.protocol, s.mode, plat, variant(k), params) for k in kernels}
    traces = {k: trace_point(s.protocol, s.mode, s.param, plat, variant(k)) for k in kernels}
    rows: list[str | Platform] = [plat]
    if plat.name != REFERENCE_PLATFORM:
        rows.append(REFERENCE_PLATFORM)
    return View(
        setting=s,
        platform=plat,
        triggers=found,
        traces=traces,
        trigger_map=trigger_map_figure(s.protocol, s.mode, rows, params, kernels),
        worked_example=skb_head_figure(traces),
    )


def first_trigger(s: Setting) -> int:
    """The first param at which the chosen kernel reallocates twice, else the setting's own:
    where the worked example is worth looking at."""
    plat = check_setting(replace(s, param=param_choices(s.protocol)[0]))
    found = triggers(s.protocol, s.mode, plat, variant(s.kernel), param_choices(s.protocol))
    return found[0] if found else s.param


# ---------------------------------------------------------------- the widgets


@dataclass
class Explorer:
    """The form and what it shows; ``view`` is the last :class:`View` drawn (or None after an
    error, whose message ``error`` holds)."""

    form: ipywidgets.Widget
    """The whole form (controls, text, images), to ``display``."""
    controls: dict[str, ipywidgets.Widget]
    """The controls by :class:`Setting` field (``protocol_mode`` for protocol and mode)."""
    view: View | None = None
    """What is shown."""
    error: str = ""
    """The message of the last refused setting, shown in place of the figures."""

    def setting(self) -> Setting:
        """The setting the controls currently say."""
        c = self.controls
        protocol, mode = c["protocol_mode"].value.split(" ", 1)
        return Setting(
            cpu=c["cpu"].value,
            cache_line=c["cache_line"].value,
            nic=c["nic"].value,
            rx_headroom=c["rx_headroom"].value,
            kernel=c["kernel"].value,
            protocol=protocol,
            mode=mode,
            param=c["param"].value,
        )


def explorer(initial: Setting | None = None) -> Explorer:
    """The interactive form (ipywidgets): display ``explorer().form`` in a notebook."""
    import ipywidgets as w

    s = initial or Setting()
    check_setting(s)
    wide = {"description_width": "11em"}
    layout = w.Layout(width="34em")
    cpu_options = [(f"{a.name} ({a.l1_cache_bytes} B cache line)", a.name) for a in ARCHES.values()]
    controls: dict[str, w.Widget] = {
        "cpu": w.Dropdown(
            options=[*cpu_options, ("custom cache line", CUSTOM)],
            value=s.cpu,
            description="CPU",
            style=wide,
            layout=layout,
        ),
        "cache_line": w.Dropdown(
            options=[32, 64, 128, 256],
            value=s.cache_line,
            description="cache line (B)",
            style=wide,
            layout=layout,
        ),
        "nic": w.Dropdown(
            options=nic_options(s.cpu),
            value=s.nic,
            description="NIC driver",
            style=wide,
            layout=layout,
        ),
        "rx_headroom": w.BoundedIntText(
            value=s.rx_headroom,
            min=0,
            max=1024,
            description="rx headroom (B)",
            style=wide,
            layout=layout,
        ),
        "kernel": w.Dropdown(
            options=list(VARIANTS), value=s.kernel, description="kernel", style=wide, layout=layout
        ),
        "protocol_mode": w.Dropdown(
            options=protocol_mode_choices(),
            value=f"{s.protocol} {s.mode}",
            description="protocol, mode",
            style=wide,
            layout=layout,
        ),
        "param": w.SelectionSlider(
            options=list(param_choices(s.protocol)),
            # the slider holds the static figures' sweep; a point off it starts at the first
            value=s.param if s.param in param_choices(s.protocol) else param_choices(s.protocol)[0],
            description="trace size (B)" if s.protocol == "ioam6" else "segments",
            style=wide,
            layout=layout,
            continuous_update=False,
        ),
    }
    # What a setting shows lives in widgets whose values are replaced, not in an Output widget
    # that callbacks print into: nothing is captured, so a batch run (papermill) and a live
    # kernel behave the same.
    summary, trigger_map, worked = w.HTML(), w.Image(format="png"), w.Image(format="png")
    steps = w.HTML()
    for image in (trigger_map, worked):
        image.layout = w.Layout(max_width="100%", height="auto")
    form = w.VBox([*controls.values(), summary, trigger_map, worked, steps])
    ex = Explorer(form, controls)
    # Set while one control updates another, so that the form is drawn once, when consistent.
    updating = [False]

    def show(_change: object = None) -> None:
        if updating[0]:
            return
        controls["cache_line"].disabled = controls["cpu"].value != CUSTOM
        controls["rx_headroom"].disabled = controls["nic"].value != CUSTOM
        try:
            view = render(ex.setting())
        except ParameterError as exc:
            ex.view, ex.error = None, str(exc)
            summary.value = f"<p><b>not drawn</b>: {html.escape(str(exc))}</p>"
            trigger_map.value = worked.value = b""
            steps.value = ""
            return
        ex.view, ex.error = view, ""
        summary.value = view.summary_html()
        trigger_map.value = png_bytes(view.trigger_map)
        worked.value = png_bytes(view.worked_example)
        steps.value = "".join(
            f"<p><b>{html.escape(name)}</b>, step by step</p>"
            + steps_table(trace).to_html(index=False, border=0)
            for name, trace in view.traces.items()
        )

    def cpu_changed(change: dict) -> None:
        # The drivers the model has for that CPU; keep the current one when it exists there.
        nic = controls["nic"]
        keep = nic.value
        options = nic_options(change["new"])
        values = [value for _, value in options]
        updating[0] = True
        try:
            nic.options = options
            nic.value = keep if keep in values else values[0]
        finally:
            updating[0] = False

    def protocol_changed(change: dict) -> None:
        protocol = change["new"].split(" ", 1)[0]
        slider = controls["param"]
        choices = list(param_choices(protocol))
        updating[0] = True
        try:
            slider.options = choices
            slider.description = "trace size (B)" if protocol == "ioam6" else "segments"
            slider.value = first_trigger(ex.setting())
        finally:
            updating[0] = False

    controls["cpu"].observe(cpu_changed, names="value")
    controls["protocol_mode"].observe(protocol_changed, names="value")
    for c in controls.values():
        c.observe(show, names="value")
    show()
    return ex

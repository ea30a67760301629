"""The lab as a :class:`~lwtbench.testbeds.base.Testbed`: offered load vs loss trials with
pktgen's ``ratep``, reallocations counted per point on counting kernels; and its provenance.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import ParameterError
from ...scenario import routes
from ...scenario.point import ScenarioPoint
from ...search.trial import TrialResult
from . import gcov
from .counting import PointCount, count_point
from .errors import LabError
from .nic import NicProfile, nic_profile
from .session import LabSession, lab_kernel, start_session


class LabMeasurer:
    """A :class:`~lwtbench.search.trial.Measurer` for one point in a running session.

    A trial asks pktgen for ``load * duration`` packets at ``ratep load``; received packets
    are the DUT's forwarded count. On a counting kernel the point's reallocations per packet
    come from one full-rate count window taken when the point is prepared, and every trial
    records them: measured here, a GCOV window right after a rate-limited pktgen run could
    read zero reallocations although its packets were forwarded (cause not found), while
    full-rate windows always matched the model.
    """

    def __init__(
        self,
        session: LabSession,
        point: ScenarioPoint,
        count: PointCount | None,
        late_is_loss: bool = True,
    ):
        self.session = session
        self.point = point
        self.count = count
        self.late_is_loss = late_is_loss

    def measure(self, intended_load_pps: float, duration_s: float) -> TrialResult:
        count = max(1, round(intended_load_pps * duration_s))
        reply = self.session.send(self.point, count, intended_load_pps)
        elapsed_us = int(reply["elapsed_us"])
        sent, received = int(reply["sent"]), int(reply["forwarded"])
        extra: dict[str, float | int | str] = {
            "generator": generator_name(self.session.nic),
            "generator_elapsed_us": elapsed_us,
            "nic_profile": self.session.nic.name,
            "rx_headroom": self.session.nic.forward_headroom,
            "received_counter": "DUT Ip6OutForwDatagrams",
        }
        if self.late_is_loss:
            sent, received = on_time_counts(sent, received, duration_s, elapsed_us)
            extra.update(
                loss_rule=LATE_IS_LOSS_RULE,
                raw_sent=int(reply["sent"]),
                raw_received=int(reply["forwarded"]),
            )
        reallocs = None
        if self.count is not None:
            reallocs = self.count.reallocs_per_packet
            extra["reallocs_from"] = f"full-rate GCOV window of {self.count.packets} packets"
            extra.update({f"sites.{k}": v for k, v in self.count.site_counts.items()})
        return TrialResult(
            intended_load_pps=intended_load_pps,
            duration_s=duration_s,
            sent=sent,
            received=received,
            reallocs_per_packet=reallocs,
            extra=extra,
        )


LATE_IS_LOSS_RULE = "packets sent after the intended duration count as not sent (mean rate)"


def on_time_counts(sent: int, received: int, duration_s: float, elapsed_us: int) -> tuple[int, int]:
    """Sent and received packets that fit in the trial's intended duration.

    In the lab pktgen runs inside the DUT's kernel: an overloaded DUT drops nothing, it slows
    the generator down (measured: 0 loss up to 3.2 Mpps intended; 160,000 packets meant for
    50 ms took 171.7 ms). The measurement core counts packets the generator failed to send in
    time as lost, so the share of the trial past its intended duration is taken out, at the
    trial's mean rate (an estimate: pktgen reports only the total elapsed time).
    """
    if elapsed_us <= 0:
        raise ValueError(f"elapsed_us={elapsed_us}: pktgen reported no elapsed time")
    share = min(1.0, duration_s * 1e6 / elapsed_us)
    return int(sent * share), int(received * share)


class LabTestbed:
    """The lab as a :class:`~lwtbench.testbeds.base.Testbed` for the campaign runner."""

    kind = "lab"

    def __init__(
        self,
        nic: str = "i40e",
        flavour: str = "timing",
        variants: tuple[str, ...] = ("vanilla", "debian-6.12", "fixed", "debian-6.1"),
        ioam_namespaces: tuple[int, ...] = (123,),
        late_is_loss: bool = True,
    ) -> None:
        # Count packets pktgen sends after the intended duration as lost (on_time_counts):
        # without it an overloaded lab DUT never loses a packet and every search hits max load.
        self.late_is_loss = late_is_loss
        self.nic = nic_profile(nic)
        self.flavour = flavour
        self.variants = variants
        self.ioam_namespaces = ioam_namespaces
        self.session: LabSession | None = None
        self.site_lines: gcov.SiteLines | None = None

    def kernel_variants(self) -> tuple[str, ...]:
        return self.variants

    def use_kernel(self, variant: str) -> dict[str, object]:
        if variant not in self.variants:
            raise ParameterError("kernel", variant, f"one of {', '.join(self.variants)}")
        self.close()
        kernel = lab_kernel(variant, self.flavour)
        self.site_lines = None
        if kernel.flavour == "counting" and kernel.source_dir is not None:
            self.site_lines = gcov.resolve_sites(kernel.source_dir)
        self.session = start_session(kernel, self.nic, self.ioam_namespaces)
        return {
            "variant": variant,
            "release": self.session.release,
            "flavour": self.flavour,
            "boot_s": round(self.session.boot_s, 3),
            **{k: v for k, v in kernel.facts.items() if k not in ("variant", "release")},
        }

    @contextmanager
    def prepare(self, point: ScenarioPoint) -> Iterator[LabMeasurer]:
        if self.session is None:
            raise LabError("prepare() before use_kernel(): no lab kernel is running")
        needed = point.route.ioam_namespace
        if needed is not None and needed not in self.ioam_namespaces:
            raise ParameterError("namespace", needed, f"one of {self.ioam_namespaces}")
        self.session.install(point)
        count = None
        if self.site_lines is not None:
            count = count_point(self.session, point, self.site_lines)
        try:
            yield LabMeasurer(self.session, point, count, self.late_is_loss)
        finally:
            if self.session.proc is not None and self.session.proc.poll() is None:
                self.session.request({"op": "ip", "argv": routes.route_del(point)[1:]})

    def provenance(self) -> dict[str, object]:
        prov = lab_provenance(self.nic)
        prov["loss_rule"] = LATE_IS_LOSS_RULE if self.late_is_loss else "received / sent only"
        return prov

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


def lab_provenance(nic: NicProfile) -> dict[str, object]:
    """Facts about the lab for run.json: testbed, DUT (with the NIC profile), generator."""
    return {
        "testbed": {"kind": "lab", "nic_profile": nic.name},
        "dut": {
            "kind": "User-Mode Linux kernel, network namespace 'dut' between two veth pairs",
            "rx_headroom": nic.forward_headroom,
            "nic_profile": nic.description,
            "host_cpu": host_cpu(),
            "host_cpus": os.cpu_count(),
            "host_kernel": platform.release(),
        },
        "generator": {"kind": generator_name(nic), **generator_facts(nic)},
    }


def generator_name(nic: NicProfile) -> str:
    """What made the traffic, for provenance."""
    if nic.ingress == "vector":
        return "AF_PACKET sender outside the DUT kernel -> host veth -> UML vector NIC"
    return "in-kernel pktgen in the DUT's UML kernel at full rate (clone_skb 0, flag !SHARED)"


def generator_facts(nic: NicProfile) -> dict[str, object]:
    if nic.ingress == "vector":
        return {
            "frames": "lwtbench.packets.frames.frame_bytes (scapy)",
            "vector_nic": f"transport=raw,headroom={nic.vector_headroom}",
            "rate_pps_max": 8000,
        }
    return {
        "pktgen_headroom": nic.pktgen_headroom,
        "instrumentation": "env/kernel/lab-pktgen-headroom.patch (generator only)",
    }


def host_cpu() -> str:
    """Model name of the host CPU from /proc/cpuinfo (provenance)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ioam_namespaces_of(points: list[ScenarioPoint]) -> tuple[int, ...]:
    """IOAM namespaces the DUT must know before the points' routes can be installed."""
    needed = {p.route.ioam_namespace for p in points}
    return tuple(sorted(n for n in needed if n is not None))

"""A simulated testbed: the seeded simulated DUT behind the :class:`Testbed` interface.

For tests and dry runs of the orchestration only; its rows are labelled ``simulated`` in
run.json and must never be shipped as measurements. The per-point capacity is an arbitrary
made-up function (a fixed cost per inserted byte), not a prediction of any kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..packets.overhead import inserted_bytes
from ..scenario.point import ScenarioPoint
from ..search.simulated import SimulatedDut


@dataclass
class SimulatedTestbed:
    """Kernel variants map to a capacity factor; each point's capacity falls with its bytes."""

    base_capacity_pps: float = 1_000_000.0
    """Capacity of the baseline point with factor 1."""
    kernel_factors: dict[str, float] | None = None
    """Variant name -> capacity factor (default: the lab's four variants, all 1.0)."""
    seed: int = 0
    """Seed of the simulated DUT's jitter."""
    jitter: float = 0.0
    """Relative sigma of per-trial capacity."""
    wall_s_per_trial_s: float = 0.0
    """Real seconds slept per simulated trial second."""
    kind: str = "simulated"

    def __post_init__(self) -> None:
        if self.kernel_factors is None:
            self.kernel_factors = dict.fromkeys(
                ("vanilla", "debian-6.12", "fixed", "debian-6.1"), 1.0
            )
        self._variant = next(iter(self.kernel_factors))

    def kernel_variants(self) -> tuple[str, ...]:
        assert self.kernel_factors is not None
        return tuple(self.kernel_factors)

    def use_kernel(self, variant: str) -> dict[str, object]:
        self._variant = variant
        return {"variant": variant, "release": f"simulated-{variant}"}

    def capacity_pps(self, point: ScenarioPoint) -> float:
        assert self.kernel_factors is not None
        try:
            extra = inserted_bytes(point.route, point.src, point.dst)
        except (ImportError, ValueError):
            extra = 0
        return self.base_capacity_pps * self.kernel_factors[self._variant] / (1 + extra / 1000)

    @contextmanager
    def prepare(self, point: ScenarioPoint) -> Iterator[SimulatedDut]:
        yield SimulatedDut(
            capacity_pps=self.capacity_pps(point),
            seed=self.seed,
            jitter=self.jitter,
            wall_s_per_trial_s=self.wall_s_per_trial_s,
        )

    def provenance(self) -> dict[str, object]:
        return {
            "testbed": {
                "kind": self.kind,
                "note": "simulated DUT for tests; not a measurement",
                "base_capacity_pps": self.base_capacity_pps,
                "kernel_factors": self.kernel_factors,
                "seed": self.seed,
                "jitter": self.jitter,
            },
            "generator": {"name": "simulated"},
        }

    def close(self) -> None:
        pass

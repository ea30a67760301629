"""Claims, their parts and verdicts: the vocabulary shared by the claims file and the evaluators.

A claim is split into the parts evidence can decide (``where``, ``direction``, ``size``,
``mechanism``); each part gets one of :data:`VERDICTS` from the evidence present, and the
claim's verdict is composed from its parts by the rules of ``claims.yaml`` (first match wins).
This module reads no file and no data: :mod:`.claims` (the file, the table) and
:mod:`.evaluators` (the data) both import it, and neither imports the other's caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .comparisons import PAIRED_RULE, WELCH_RULE

REPRODUCED = "reproduced"
CONTRADICTED = "contradicted"
INCONCLUSIVE = "inconclusive"
NEEDS_HARDWARE = "needs hardware"
NOT_AVAILABLE = "not available"
VERDICTS: tuple[str, ...] = (REPRODUCED, CONTRADICTED, INCONCLUSIVE, NEEDS_HARDWARE, NOT_AVAILABLE)
"""reproduced: the evidence agrees with the claim; contradicted: it disagrees beyond the
noise; inconclusive: the intervals are too wide to say; needs hardware: only a measurement on
the paper's kind of platform can decide it and none is shipped; not available: the data it
needs is absent."""

PARTS: tuple[str, ...] = ("where", "direction", "size", "mechanism")
"""where: the trigger points; direction: the patched kernel faster at them and not different
elsewhere; size: the magnitude against the paper's; mechanism: reallocations per packet."""


@dataclass(frozen=True)
class Claim:
    """One entry of ``claims.yaml``."""

    id: str
    """C1..C8 (the paper's claims) or F1.. (findings beyond the paper)."""
    text: str
    """The claim in words."""
    source: str
    """Where the claim comes from: abstract, summaries, upstream, ours."""
    paper_value: str
    """The paper's value, as text."""
    evaluate: str
    """Name of the evaluator in :mod:`lwtbench.analysis.evaluators`."""
    parts: dict[str, tuple[str, ...]]
    """Part name -> evidence kinds that may decide it."""
    required: tuple[str, ...]
    """Parts the composed verdict rests on."""
    paper: dict[str, object]
    """The paper's numbers and lists the evaluator compares with."""
    tolerance: dict[str, float]
    """Tolerances by name (units in the names)."""
    figures: tuple[str, ...]
    """Figures that show the evidence."""
    hardware: str
    """What a faithful re-measurement needs."""
    time: str
    """Rough time of that re-measurement."""
    per_kernel: bool = False
    """One row per kernel variant in the data (C7)."""

    def kinds(self, part: str) -> tuple[str, ...]:
        """Evidence kinds ``part`` accepts (none when the claim has no such part)."""
        return self.parts.get(part, ())

    def tol(self, name: str) -> float:
        """A tolerance by name; a claim that omits it gets a clear error, not a default."""
        if name not in self.tolerance:
            raise KeyError(f"claims.yaml: {self.id} has no tolerance {name!r}; add it")
        return float(self.tolerance[name])


@dataclass(frozen=True)
class Settings:
    """The file-wide entries of ``claims.yaml`` an evaluator needs."""

    paper_platform: str
    """Model platform of the paper's DUT (``x86_64/i40e``)."""
    paper_headroom: int
    """Its headroom at the IPv6 header, from the model's platform catalog."""
    reference_kernel: str
    """Kernel with the complete fix (``fixed``)."""
    alpha: float
    """Error rate of a comparison: each trigger point's interval at ``1 - alpha``, each of the
    m points of a run away from them at ``1 - alpha/m`` (:mod:`.comparisons`)."""
    paired_orders: tuple[str, ...]
    """Campaign orders whose runs have interleaved rounds, compared by the paired rule; runs
    in any other order by Welch's rule."""

    def rule_for(self, order: str) -> str:
        """The comparison rule for a run measured in campaign order ``order``."""
        return PAIRED_RULE if order in self.paired_orders else WELCH_RULE


@dataclass(frozen=True)
class Part:
    """The verdict of one part of a claim."""

    name: str
    """One of :data:`PARTS`."""
    verdict: str
    """One of :data:`VERDICTS`."""
    ours: str
    """What the evidence shows, short ('' when nothing)."""
    how: str
    """The comparison made, or what is missing."""
    evidence: tuple[str, ...] = ()
    """Kinds of evidence that decided it (``lab counts``, ``hardware rates`` ...)."""
    runs: tuple[str, ...] = ()
    """Run ids (paths below the data folder) the evidence comes from."""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r}: one of {', '.join(VERDICTS)}")
        if self.name not in PARTS:
            raise ValueError(f"part={self.name!r}: one of {', '.join(PARTS)}")


@dataclass(frozen=True)
class Rule:
    """One composition rule: ``verdict`` when ``quantifier`` (any/all) of the parts in
    ``scope`` (all parts, or the claim's required ones) has a verdict in ``among``; a rule
    without a condition always matches."""

    verdict: str
    quantifier: str = ""
    scope: str = "required"
    among: tuple[str, ...] = ()

    def matches(self, parts: Sequence[Part], required: Sequence[str]) -> bool:
        if not self.quantifier:
            return True
        pool = [p for p in parts if self.scope == "all" or p.name in required]
        hits = [p.verdict in self.among for p in pool]
        if self.quantifier == "any":
            return any(hits)
        return bool(hits) and all(hits)


@dataclass(frozen=True)
class Composed:
    """A claim's verdict, composed from its parts."""

    verdict: str
    """One of :data:`VERDICTS`."""
    parts: tuple[Part, ...] = field(default_factory=tuple)
    """The parts, in the claim's order."""
    summary: str = ""
    """One line: the verdict, which parts reached it and from what, the others' verdicts."""


def compose(parts: Sequence[Part], required: Sequence[str], rules: Sequence[Rule]) -> Composed:
    """The claim's verdict by the first rule that matches, and a one-line summary."""
    verdict = next((r.verdict for r in rules if r.matches(parts, required)), NOT_AVAILABLE)
    same = [p for p in parts if p.verdict == verdict]
    kinds = sorted({k for p in same for k in p.evidence})
    text = verdict
    if same:
        text += " in " + ", ".join(p.name for p in same)
        if kinds:
            text += f" ({', '.join(kinds)})"
    others = [f"{p.name} {p.verdict}" for p in parts if p.verdict != verdict]
    if others:
        text += "; " + "; ".join(others)
    return Composed(verdict, tuple(parts), text)


def marks_line(parts: Sequence[Part], marks: Mapping[str, str]) -> str:
    """The parts as a row of marks, e.g. ``where ✓ · direction ✓ · size H``."""
    return " · ".join(f"{p.name} {marks.get(p.verdict, '?')}" for p in parts)

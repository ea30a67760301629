"""The claims table: each claim of the paper (``claims.yaml``) against what the data shows.

Verdicts are computed by the evaluator each claim names, never typed in:

- ``reproduced``: our value agrees with the paper's within the claim's tolerance, on data
  that can test it;
- ``differs``: it does not, or it comes from a different platform (the ``how`` says which);
- ``needs hardware``: only a measurement on a hardware testbed can test it, and none is shipped;
- ``not available``: the data or model the evaluation needs is absent (the ``how`` says what).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..errors import InputFileError

VERDICTS: tuple[str, ...] = ("reproduced", "differs", "needs hardware", "not available")


@dataclass(frozen=True)
class Claim:
    """One entry of ``claims.yaml``."""

    id: str
    """C1..C8, the numbering of paper-brief.md."""
    text: str
    """The claim in words."""
    source: str
    """Where the claim comes from: abstract, summaries, upstream."""
    paper_value: str
    """The paper's value, as text."""
    evaluate: str
    """Name of the evaluator in :mod:`lwtbench.analysis.evaluators`."""
    tolerance: dict[str, object]
    """Evaluator-specific tolerance (``pct_points``, ``relative``, ``exact``...)."""
    figures: tuple[str, ...]
    """Figures that show the evidence."""
    hardware: str
    """What a faithful re-measurement needs."""
    time: str
    """Rough time of that re-measurement."""
    expected: dict[str, object] = field(default_factory=dict)
    """Structured paper values an evaluator compares against (trigger lists...)."""


@dataclass(frozen=True)
class Verdict:
    """What an evaluator concludes."""

    verdict: str
    """One of :data:`VERDICTS`."""
    ours: str
    """Our value, as text ('' when there is none)."""
    how: str
    """Why this verdict: the comparison made, the platform difference, what is missing."""
    evidence: str
    """Which data (run ids) or model the value comes from."""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r}: one of {', '.join(VERDICTS)}")


@dataclass(frozen=True)
class ClaimResult:
    """One row of the claims table."""

    claim: Claim
    """The claim evaluated."""
    result: Verdict
    """The computed verdict."""

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.claim.id,
            "claim": self.claim.text,
            "source": self.claim.source,
            "paper": self.claim.paper_value,
            "ours": self.result.ours,
            "verdict": self.result.verdict,
            "how": self.result.how,
            "evidence": self.result.evidence,
            "figures": list(self.claim.figures),
            "hardware": self.claim.hardware,
            "tolerance": self.claim.tolerance,
        }


def load_claims(path: Path | None = None) -> list[Claim]:
    """Claims from ``path`` or from the package's ``claims.yaml``, validated."""
    if path is None:
        text = resources.files("lwtbench.analysis").joinpath("claims.yaml").read_text("utf-8")
        where: object = "lwtbench/analysis/claims.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = path
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputFileError(where, f"not valid YAML ({exc})", "fix the file") from None
    entries = data.get("claims") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputFileError(where, "no 'claims' list at top level", "see the shipped file")
    claims = []
    names = {f for f in Claim.__dataclass_fields__}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputFileError(where, f"claims[{i}] is not a mapping", "fix it")
        missing = names - {"expected"} - entry.keys()
        unknown = entry.keys() - names
        if missing or unknown:
            raise InputFileError(
                where,
                f"claims[{i}]: missing {sorted(missing)}, unknown {sorted(unknown)}",
                f"keys allowed: {sorted(names)}",
            )
        claims.append(
            Claim(
                **{
                    **entry,
                    "id": str(entry["id"]),
                    "paper_value": str(entry["paper_value"]),
                    "figures": tuple(entry["figures"]),
                    "tolerance": dict(entry["tolerance"]),
                    "expected": dict(entry.get("expected") or {}),
                }
            )
        )
    return claims


def evaluate_claims(context, claims: list[Claim] | None = None) -> list[ClaimResult]:
    """Run each claim's evaluator on ``context`` (:class:`lwtbench.analysis.evaluators.Context`)."""
    from . import evaluators

    out = []
    for claim in claims if claims is not None else load_claims():
        func = getattr(evaluators, claim.evaluate, None)
        if func is None:
            raise InputFileError(
                "claims.yaml",
                f"{claim.id}: evaluate={claim.evaluate!r} is not a function of "
                "lwtbench.analysis.evaluators",
                "name one of its c*_ functions",
            )
        out.append(ClaimResult(claim, func(context, claim)))
    return out


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(results: list[ClaimResult]) -> str:
    """The claims table as Markdown (one row per claim)."""
    head = "| claim | paper | ours | verdict | how | evidence | figures |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for r in results:
        c, v = r.claim, r.result
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"{c.id}: {c.text}",
                    c.paper_value,
                    v.ours or "-",
                    f"**{v.verdict}**",
                    v.how,
                    v.evidence,
                    ", ".join(c.figures),
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def to_json(results: list[ClaimResult]) -> str:
    """The claims table as JSON (a list of objects, one per claim)."""
    return json.dumps([r.to_dict() for r in results], indent=2, sort_keys=False) + "\n"


def to_text(results: list[ClaimResult]) -> str:
    """A terminal-friendly table: id, verdict, ours vs paper, how."""
    lines = []
    for r in results:
        lines.append(f"{r.claim.id:<3} {r.result.verdict:<15} paper: {r.claim.paper_value}")
        if r.result.ours:
            lines.append(f"{'':<19} ours:  {r.result.ours}")
        lines.append(f"{'':<19} {r.result.how}")
    return "\n".join(lines) + "\n"


def write_claims(results: list[ClaimResult], out_dir: Path) -> list[Path]:
    """Write ``claims.md`` and ``claims.json`` under ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "claims.md", out / "claims.json"
    md.write_text(to_markdown(results), encoding="utf-8")
    js.write_text(to_json(results), encoding="utf-8")
    return [md, js]

"""The claims table: each claim of ``claims.yaml`` decided in parts from the data.

Each claim names an evaluator (:mod:`lwtbench.analysis.evaluators`) that gives every part of
the claim a verdict from the evidence present; the claim's verdict is composed from its parts
by the ``composition`` rules of ``claims.yaml`` (first match wins). Verdicts
(:data:`~lwtbench.analysis.verdicts.VERDICTS`): reproduced, contradicted, inconclusive (the
intervals are too wide), needs hardware (only the paper's kind of platform can decide it),
not available (the data it needs is absent). Rendering is in :mod:`.claims_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from ..errors import InputFileError, LwtbenchError
from . import evaluators
from .claims_table import to_json, to_markdown, to_text, write_claims
from .evidence import EVIDENCE_KINDS, Context, build_context, paper_headroom, run_note
from .verdicts import PARTS, VERDICTS, Claim, Composed, Rule, Settings, compose

__all__ = [
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "ClaimsFile",
    "evaluate_claims",
    "evaluate_data",
    "load_claims",
    "load_claims_file",
    "to_json",
    "to_markdown",
    "to_text",
    "write_claims",
]


@dataclass(frozen=True)
class ClaimsFile:
    """``claims.yaml``: the claims and the file-wide settings."""

    claims: tuple[Claim, ...]
    settings: Settings
    marks: dict[str, str]
    """Verdict -> mark shown in the table's parts column."""
    rules: tuple[Rule, ...]
    """Composition rules, first match wins."""


@dataclass(frozen=True)
class ClaimResult:
    """One row of the claims table (a claim, or a claim for one kernel)."""

    claim: Claim
    """The claim evaluated."""
    kernel: str | None
    """The kernel variant of a per-kernel row (C7), else None."""
    result: Composed
    """The parts and the composed verdict."""
    marks: dict[str, str]
    """Verdict -> mark (``claims.yaml``)."""
    run_notes: dict[str, str]
    """Run id -> where and how it was measured, for every run a part cites."""
    settings: Settings | None = None
    """The file-wide settings it was decided with (the table states the comparison rules)."""

    @property
    def id(self) -> str:
        return self.claim.id if self.kernel is None else f"{self.claim.id} · {self.kernel}"

    @property
    def anchor(self) -> str:
        base = self.claim.id.lower()
        return base if self.kernel is None else f"{base}-{self.kernel.lower().replace('.', '-')}"

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def ours(self) -> str:
        """Short: what each part shows, joined."""
        return "; ".join(p.ours for p in self.result.parts if p.ours)

    @property
    def runs(self) -> list[str]:
        return sorted({r for p in self.result.parts for r in p.runs})


_CLAIM_KEYS = {
    "id",
    "text",
    "source",
    "paper_value",
    "evaluate",
    "parts",
    "required",
    "paper",
    "tolerance",
    "figures",
    "hardware",
    "time",
    "per_kernel",
}
_OPTIONAL = {"per_kernel", "paper"}


def _claim(entry: object, i: int, where: object) -> Claim:
    if not isinstance(entry, dict):
        raise InputFileError(where, f"claims[{i}] is not a mapping", "fix it")
    missing = _CLAIM_KEYS - _OPTIONAL - entry.keys()
    unknown = entry.keys() - _CLAIM_KEYS
    if missing or unknown:
        raise InputFileError(
            where,
            f"claims[{i}]: missing {sorted(missing)}, unknown {sorted(unknown)}",
            f"keys allowed: {sorted(_CLAIM_KEYS)}",
        )
    parts = entry["parts"]
    if not isinstance(parts, dict) or not parts:
        raise InputFileError(where, f"claims[{i}].parts is not a mapping", "part -> kinds")
    for name, kinds in parts.items():
        bad = [k for k in kinds or [] if k not in EVIDENCE_KINDS]
        if name not in PARTS or bad:
            raise InputFileError(
                where,
                f"{entry['id']}: part {name!r} with kinds {bad}",
                f"parts: {', '.join(PARTS)}; kinds: {', '.join(EVIDENCE_KINDS)}",
            )
    required = tuple(entry["required"])
    if not set(required) <= set(parts):
        raise InputFileError(where, f"{entry['id']}: required {required} not in parts", "fix")
    return Claim(
        id=str(entry["id"]),
        text=str(entry["text"]),
        source=str(entry["source"]),
        paper_value=str(entry["paper_value"]),
        evaluate=str(entry["evaluate"]),
        parts={str(k): tuple(v or ()) for k, v in parts.items()},
        required=required,
        paper=dict(entry.get("paper") or {}),
        tolerance={str(k): float(v) for k, v in dict(entry["tolerance"] or {}).items()},
        figures=tuple(entry["figures"]),
        hardware=str(entry["hardware"]),
        time=str(entry["time"]),
        per_kernel=bool(entry.get("per_kernel", False)),
    )


def _rule(entry: object, where: object) -> Rule:
    if not isinstance(entry, dict) or entry.get("verdict") not in VERDICTS:
        raise InputFileError(where, f"composition rule {entry!r}", f"verdict: {VERDICTS}")
    quantifier = str(entry.get("quantifier", ""))
    scope = str(entry.get("scope", "required"))
    among = tuple(entry.get("among", ()))
    if quantifier not in ("", "any", "all") or scope not in ("all", "required"):
        raise InputFileError(where, f"composition rule {entry!r}", "quantifier any/all")
    if any(v not in VERDICTS for v in among):
        raise InputFileError(where, f"composition rule {entry!r}", f"among: {VERDICTS}")
    return Rule(str(entry["verdict"]), quantifier, scope, among)


def _comparison(data: dict, where: object) -> tuple[float, tuple[str, ...]]:
    """``comparison``: alpha (strictly between 0 and 1) and the campaign orders compared by
    the paired rule."""
    section = data["comparison"]
    alpha = section.get("alpha") if isinstance(section, dict) else None
    orders = section.get("paired_orders") if isinstance(section, dict) else None
    if not isinstance(alpha, float) or not 0.0 < alpha < 1.0:
        raise InputFileError(where, f"comparison.alpha: {alpha!r}", "a number in (0, 1), e.g. 0.05")
    if not isinstance(orders, list) or not all(isinstance(o, str) for o in orders):
        raise InputFileError(
            where, f"comparison.paired_orders: {orders!r}", "a list of campaign orders"
        )
    return alpha, tuple(orders)


def load_claims_file(path: Path | None = None) -> ClaimsFile:
    """``claims.yaml`` from ``path`` or from the package, validated."""
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
    claims = tuple(_claim(e, i, where) for i, e in enumerate(entries))
    try:
        name = str(data["paper_platform"])
        settings = Settings(
            name, paper_headroom(name), str(data["reference_kernel"]), *_comparison(data, where)
        )
    except KeyError as exc:
        raise InputFileError(where, f"no {exc} at top level", "see the shipped file") from None
    except LwtbenchError as exc:
        raise InputFileError(where, f"paper_platform: {exc}", "a model platform name") from None
    rules = tuple(_rule(r, where) for r in data.get("composition") or [])
    if not rules:
        raise InputFileError(where, "no composition rules", "see the shipped file")
    marks = {str(k): str(v) for k, v in dict(data.get("marks") or {}).items()}
    return ClaimsFile(claims, settings, marks, rules)


def load_claims(path: Path | None = None) -> list[Claim]:
    """The claims of ``claims.yaml`` (see :func:`load_claims_file`)."""
    return list(load_claims_file(path).claims)


def evaluate_claims(context: Context, spec: ClaimsFile | None = None) -> list[ClaimResult]:
    """Run each claim's evaluator on ``context`` and compose each row's verdict."""
    spec = spec or load_claims_file()
    out = []
    for claim in spec.claims:
        func = getattr(evaluators, claim.evaluate, None)
        if func is None or not claim.evaluate.startswith(("c", "f")):
            raise InputFileError(
                "claims.yaml",
                f"{claim.id}: evaluate={claim.evaluate!r} is not an evaluator of "
                "lwtbench.analysis.evaluators",
                "name one of its c*_/f*_ functions",
            )
        found = func(context, claim, spec.settings)
        rows = found.items() if isinstance(found, dict) else [(None, found)]
        for kernel, parts in rows:
            composed = compose(parts, claim.required, spec.rules)
            runs = sorted({r for p in parts for r in p.runs})
            notes = {r: run_note(context, r, spec.settings) for r in runs}
            out.append(ClaimResult(claim, kernel, composed, spec.marks, notes, spec.settings))
    return out


def evaluate_data(data_dir: Path) -> list[ClaimResult]:
    """The claims table for ``data_dir``."""
    return evaluate_claims(build_context(Path(data_dir)))

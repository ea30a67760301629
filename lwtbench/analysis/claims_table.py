"""The claims table as Markdown (``claims.md``), JSON (``claims.json``) and terminal text.

One short row per claim (per kernel for C7): the paper's value, a short "ours", the parts'
verdicts as a row of marks, the composed verdict. Below the table, one section per row (with an
anchor) gives each part's verdict, what it compared and from which evidence; then each run the
table cites is described once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..medians import PAIRED_MIN_EFFECT, PAIRED_MIN_ROUNDS
from .rates import RATE_METRIC_TEXT
from .verdicts import Settings, marks_line

if TYPE_CHECKING:
    from .claims import ClaimResult

VERDICT_RULES_TEXT = (
    "Each claim is split into parts (where: the trigger points; direction: the patched kernel "
    "faster there and not different elsewhere; size: the magnitude against the paper's, only "
    "on the paper's platform; mechanism: reallocations per packet). Each part is decided by "
    "the kinds of evidence claims.yaml allows it; the claim's verdict is composed from its "
    "parts by the rules of claims.yaml (first match wins): any part contradicted gives "
    "contradicted; all required parts reproduced gives reproduced; otherwise inconclusive, "
    "needs hardware or not available, in that order."
)


def comparison_text(settings: Settings | None) -> str:
    """How rates are compared (the rule per run, the confidence per question), from the
    ``comparison`` section of claims.yaml."""
    if settings is None:
        return ""
    alpha = settings.alpha
    orders = ", ".join(settings.paired_orders) or "none"
    return (
        "Rates are compared by the rule each run's design allows (claims.yaml, comparison): "
        f"a run whose campaign order is {orders} has interleaved rounds (the lab's whole "
        "sweeps, the TRex lab run) and is compared round by round by the paired rule (the "
        "median of the per-round ratio vanilla/patched with its bootstrap interval; apart "
        f"beyond {100 * PAIRED_MIN_EFFECT:g} % with at least {PAIRED_MIN_ROUNDS} rounds, the rule "
        "its runner and benchmarks/lab_sweep.py decide by); any other run (MLRsearch "
        "repetitions in random order, hardware runs) by Welch's interval of the difference "
        "of the means over repetitions (apart when it excludes zero). Every trigger point must "
        f"be apart on its own, each at {100 * (1 - alpha):g} % (an intersection-union test "
        "needs no correction). The m points a run compares away from the trigger points answer "
        "one question, no difference at any of them, so they are tested together: each "
        f"interval at 1 - {alpha:g}/m (Bonferroni), which keeps the chance that a run calls "
        f"some point different by chance within {alpha:g} whatever the dependence between "
        "points (at 95 % each, 10 points would give a false difference 40 % of the time, 187 "
        "almost surely). Each run below says which rule compared it."
    )


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _run_anchor(run_id: str) -> str:
    return "run-" + "".join(c if c.isalnum() else "-" for c in run_id.lower())


def _all_runs(results: list[ClaimResult]) -> dict[str, str]:
    runs: dict[str, str] = {}
    for r in results:
        runs.update(r.run_notes)
    return dict(sorted(runs.items()))


def to_markdown(results: list[ClaimResult]) -> str:
    """The table, then one section per row, then the runs."""
    lines = [
        f"Rates: {RATE_METRIC_TEXT}. Parts: "
        + ", ".join(f"{m} {v}" for v, m in (results[0].marks if results else {}).items())
        + ".",
        "",
        "| claim | paper | ours | parts | verdict |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"[{r.id}](#{r.anchor})",
                    r.claim.paper_value,
                    r.ours or "-",
                    marks_line(r.result.parts, r.marks),
                    f"**{r.verdict}**",
                )
            )
            + " |"
        )
    method = comparison_text(results[0].settings if results else None)
    lines += ["", "## How each verdict was reached", "", VERDICT_RULES_TEXT, ""]
    lines += [method, ""] if method else []
    for r in results:
        lines += [f'<a id="{r.anchor}"></a>', f"### {r.id}: {r.claim.text}", ""]
        lines += [f"Paper: {r.claim.paper_value} ({r.claim.source}).", ""]
        lines += [f"Verdict: **{r.result.summary}**.", ""]
        for p in r.result.parts:
            kinds = ", ".join(p.evidence) or "none"
            runs = ", ".join(f"[{x}](#{_run_anchor(x)})" for x in p.runs)
            lines.append(f"- **{p.name}: {p.verdict}** ({kinds}{'; ' + runs if runs else ''})")
            if p.ours:
                lines.append(f"  - ours: {p.ours}")
            lines.append(f"  - {p.how}")
        lines += ["", f"Figures: {', '.join(r.claim.figures)}. Re-measure: {r.claim.hardware}.", ""]
    lines += ["## Runs", ""]
    for run, note in _all_runs(results).items():
        lines += [f'<a id="{_run_anchor(run)}"></a>', f"- `data/{run}`: {note}"]
    return "\n".join(lines) + "\n"


def result_dict(r: ClaimResult) -> dict[str, object]:
    c = r.claim
    return {
        "id": r.id,
        "anchor": r.anchor,
        "claim": c.id,
        "kernel": r.kernel,
        "text": c.text,
        "source": c.source,
        "paper": c.paper_value,
        "paper_values": c.paper,
        "ours": r.ours,
        "verdict": r.verdict,
        "summary": r.result.summary,
        "marks": marks_line(r.result.parts, r.marks),
        "required": list(c.required),
        "parts": [
            {
                "name": p.name,
                "verdict": p.verdict,
                "ours": p.ours,
                "how": p.how,
                "evidence": list(p.evidence),
                "runs": list(p.runs),
                "accepts": list(c.kinds(p.name)),
            }
            for p in r.result.parts
        ],
        "tolerance": c.tolerance,
        "figures": list(c.figures),
        "hardware": c.hardware,
        "time": c.time,
    }


def to_json(results: list[ClaimResult]) -> str:
    """Every row complete, the rules, the rate metric and each cited run once."""
    doc = {
        "rate_metric": RATE_METRIC_TEXT,
        "verdict_rules": VERDICT_RULES_TEXT,
        "rate_comparison": comparison_text(results[0].settings if results else None),
        "claims": [result_dict(r) for r in results],
        "runs": _all_runs(results),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def text_rows(rows: list[dict], width: int = 14) -> list[str]:
    """Terminal lines of ``claims.json`` rows: id, verdict, paper, ours, marks, summary."""
    lines = []
    for row in rows:
        lines.append(f"{row['id']:<16} {row['verdict']:<{width}}  paper: {row['paper']}")
        pad = " " * (16 + 1 + width + 2)
        if row["ours"]:
            lines.append(f"{pad}ours:  {row['ours']}")
        lines.append(f"{pad}parts: {row['marks']}")
        lines.append(f"{pad}{row['summary']}")
    return lines


def to_text(results: list[ClaimResult]) -> str:
    """A terminal-friendly table (see :func:`text_rows`)."""
    return "\n".join(text_rows([result_dict(r) for r in results])) + "\n"


def write_claims(results: list[ClaimResult], out_dir: Path) -> list[Path]:
    """Write ``claims.md`` and ``claims.json`` under ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "claims.md", out / "claims.json"
    md.write_text(to_markdown(results), encoding="utf-8")
    js.write_text(to_json(results), encoding="utf-8")
    return [md, js]

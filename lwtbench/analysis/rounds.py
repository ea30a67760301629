"""The software lab's paired-round timings: the extra forwarding cost at a trigger point.

``lwtbench lab rounds --output F`` and ``benchmarks/lab_throughput.py --output F`` write, per
trigger point N, the median over rounds of ``t(N) / mean(t(N-1), t(N+1)) - 1`` (pktgen's
elapsed time per packet) with a 95 % bootstrap interval, per kernel
(:mod:`lwtbench.runs.pairedrounds`). A positive excess of e means the point forwards
1/(1+e) of its neighbours' rate: a drop of e/(1+e) relative to the neighbours.

These are User-Mode Linux timings on a shared host: they show where the extra cost is and its
sign, not its size on a real NIC, so they are always labelled as the software lab.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import InputFileError

ROUNDS_COLUMNS: tuple[str, ...] = (
    "source",
    "protocol",
    "mode",
    "param",
    "frame_size",
    "kernel_variant",
    "median_excess",
    "ci_low",
    "ci_high",
    "rounds",
)


def _results(doc: object) -> list[dict] | None:
    """The paired-round results in a JSON document, or None when it holds something else.

    ``lwtbench lab rounds`` writes one result (or a list); ``benchmarks/lab_throughput.py``
    wraps its results in ``{"command": ..., "points": [...]}``.
    """
    if isinstance(doc, dict) and isinstance(doc.get("points"), list):
        doc = doc["points"]
    items = doc if isinstance(doc, list) else [doc]
    if not items or not all(
        isinstance(i, dict) and isinstance(i.get("settings"), dict) and "estimates" in i
        for i in items
    ):
        return None
    return items  # type: ignore[return-value]


def load_rounds(root: Path) -> pd.DataFrame:
    """Every paired-round estimate in JSON files below ``root`` (other JSON files are skipped).

    One row per file, point and kernel; ``source`` is the file's path below ``root``.
    """
    rows = []
    root = Path(root)
    for path in sorted(root.rglob("*.json")) if root.is_dir() else []:
        if path.name == "run.json":
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputFileError(path, f"not valid JSON ({exc})", "restore it") from None
        results = _results(doc)
        if results is None:
            continue
        for res in results:
            s = res["settings"]
            for variant, est in res["estimates"].items():
                try:
                    rows.append(
                        (
                            path.relative_to(root).as_posix(),
                            str(s["protocol"]),
                            str(s["mode"]),
                            int(s["param"]),
                            int(s.get("frame_size", 0)),
                            str(variant),
                            float(est["median_excess"]),
                            float(est["ci_low"]),
                            float(est["ci_high"]),
                            int(est["rounds"]),
                        )
                    )
                except (KeyError, TypeError, ValueError) as exc:
                    raise InputFileError(
                        path, f"paired-round result without {exc}", "regenerate it"
                    ) from None
    return pd.DataFrame(rows, columns=list(ROUNDS_COLUMNS))


def drop_from_excess(excess: float) -> float:
    """Rate drop relative to the neighbours, %, for an extra per-packet cost ``excess``."""
    return 100.0 * excess / (1.0 + excess)

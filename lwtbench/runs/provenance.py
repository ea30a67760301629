"""What every run records about itself in ``run.json``: one function, one layout.

:func:`run_provenance` is the only place a run's ``run.json`` content is started: the
campaign (its content, so a resume needs no file), every point with its route (so the analysis
never rebuilds a point from the campaign), the project (version, commit, dirty tree, host), and
what the caller adds (testbed, DUT, generator, search or counting settings).
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from ..packets.overhead import inserted_bytes
from ..packets.route import RplRoute, route_to_dict
from ..scenario.campaign import Campaign
from ..scenario.point import ScenarioPoint

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def project_provenance() -> dict[str, object]:
    """Project version, git commit (and whether the tree was dirty), host, Python."""
    commit, dirty = None, None
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
        dirty = bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "lwtbench_version": __version__,
        "project_commit": commit,
        "project_tree_dirty": dirty,
        "orchestrator_host": platform.node(),
        "python": platform.python_version(),
    }


def point_inserted_bytes(point: ScenarioPoint) -> int:
    """Bytes the point's route inserts (RPL's depend on the traffic's addresses)."""
    if isinstance(point.route, RplRoute):
        return inserted_bytes(point.route, point.src, point.dst)
    return inserted_bytes(point.route)


def point_record(point: ScenarioPoint) -> dict[str, object]:
    """One point as measured: its id, swept parameter, addresses, labels and full route."""
    return {
        "point_id": point.point_id,
        "param_name": point.param_name,
        "param": point.param,
        "frame_size": point.frame_size,
        "src": point.src,
        "dst": point.dst,
        "labels": dict(point.labels),
        "route": route_to_dict(point.route),
        "inserted_bytes": point_inserted_bytes(point),
    }


def points_provenance(points: Iterable[ScenarioPoint]) -> list[dict[str, object]]:
    """:func:`point_record` of every point, in campaign order."""
    return [point_record(p) for p in points]


def run_provenance(
    campaign: Campaign, seed: int | None = None, **facts: object
) -> dict[str, object]:
    """The content of a new run's ``run.json``: campaign, points, project, then ``facts``."""
    section: dict[str, object] = {
        "name": campaign.name,
        "source": campaign.source,
        "order": campaign.order,
        "content": campaign.raw,
    }
    if seed is not None:
        section["seed"] = seed
    return {
        "campaign": section,
        "points": points_provenance(campaign.points),
        "project": project_provenance(),
        **facts,
    }

"""What every run records about itself in ``run.json``: one function, one layout.

:func:`run_provenance` is the only place a run's ``run.json`` content is started: the
campaign (its content, so a resume needs no file), every point with its route (so the analysis
never rebuilds a point from the campaign), the project (version, commit, dirty tree, host), and
what the caller adds (testbed, DUT, generator, search or counting settings).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from .. import __version__
from ..errors import InputFileError
from ..packets.overhead import inserted_bytes
from ..packets.route import route_to_dict
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
    """Bytes the point's route inserts (RPL's depend on the traffic's destination)."""
    return inserted_bytes(point.route, point.src, point.dst)


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
    campaign: Campaign,
    seed: int | None = None,
    inputs: Mapping[str, object] | None = None,
    **facts: object,
) -> dict[str, object]:
    """The content of a new run's ``run.json``: campaign, points, project, the hashes of its
    inputs (:func:`run_inputs`, checked on resume), then ``facts``."""
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
        "inputs": {**run_inputs(campaign), **(inputs or {})},
        **facts,
    }


def sha256_of_json(data: object) -> str:
    """SHA-256 of ``data`` as canonical JSON (sorted keys): the same content, the same hash,
    however its file was laid out."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_inputs(
    campaign: Campaign | None = None,
    testbed_file: Path | str | None = None,
    nic_profile: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """What a run was made from, as content hashes: ``inputs`` in run.json, checked on resume.

    The campaign by its content (a reformatted file is the same campaign), the testbed file by
    its bytes, the NIC profile by its fields (name, headroom, ingress).
    """
    out: dict[str, object] = {}
    if campaign is not None:
        out["campaign_sha256"] = sha256_of_json(campaign.raw)
    if testbed_file is not None:
        path = Path(testbed_file)
        out["testbed_file"] = str(path)
        out["testbed_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    if nic_profile is not None:
        out["nic_profile"] = dict(nic_profile)
        out["nic_profile_sha256"] = sha256_of_json(dict(nic_profile))
    return out


_WHAT = {
    "campaign_sha256": ("campaign", "campaign content"),
    "testbed_sha256": ("testbed_file", "testbed file"),
    "nic_profile_sha256": ("nic_profile", "NIC profile"),
}


def check_resume_inputs(
    recorded: Mapping[str, object], given: Mapping[str, object], run_json: Path
) -> None:
    """Refuse a resume whose inputs differ from those the run recorded (InputFileError naming
    the input); a run that recorded none cannot be checked and is refused as well."""
    inputs = recorded.get("inputs")
    if not isinstance(inputs, Mapping):
        raise InputFileError(
            run_json,
            "records no input hashes (made by an older lwtbench): a resume cannot be checked",
            "start a new run",
        )
    for key, (name_key, what) in _WHAT.items():
        if key not in given:
            continue
        if inputs.get(key) != given[key]:
            was = inputs.get(name_key, "?")
            now = given.get(name_key, "?")
            raise InputFileError(
                run_json,
                f"the run was made with another {what} (recorded {was}, "
                f"sha256 {str(inputs.get(key))[:12]}; given {now}, sha256 {str(given[key])[:12]})",
                f"resume with the {what} the run started with, or start a new run",
            )

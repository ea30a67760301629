"""environment.yml (conda) and pyproject.toml declare the same packages with the same ranges."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

TOP = Path(__file__).resolve().parents[2]


def pyproject_requirements() -> dict[str, SpecifierSet]:
    project = tomllib.loads((TOP / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    out = {}
    for line in lines:
        req = Requirement(line)
        out[canonicalize_name(req.name)] = req.specifier
    return out


def conda_requirements() -> tuple[dict[str, SpecifierSet], str]:
    env = yaml.safe_load((TOP / "environment.yml").read_text())
    out: dict[str, SpecifierSet] = {}
    python = ""
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                if line.startswith("-e "):
                    continue
                req = Requirement(line)
                out[canonicalize_name(req.name)] = req.specifier
            continue
        name, _, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", dep).group(1, 0, 2)
        if name == "python":
            python = spec
        elif name != "pip":
            out[canonicalize_name(name)] = SpecifierSet(spec.replace(" ", ""))
    return out, python


def test_same_packages_and_ranges():
    pip, (conda, _) = pyproject_requirements(), conda_requirements()
    assert sorted(conda) == sorted(pip)
    differ = {name: (str(pip[name]), str(conda[name])) for name in pip if pip[name] != conda[name]}
    assert not differ, f"version ranges differ (pyproject, environment.yml): {differ}"


def test_same_python():
    requires = tomllib.loads((TOP / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(conda_requirements()[1]) == SpecifierSet(requires)


def test_environment_installs_the_project():
    env = yaml.safe_load((TOP / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    assert env["channels"][0] == "conda-forge"

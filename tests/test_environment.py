"""pyproject.toml, environment.yml and .binder/environment.yml must ask for the same packages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert match, requirement
    return match.group(1).lower().replace("-", "_"), match.group(2).replace(" ", "")


def _pyproject() -> tuple[dict[str, str], dict[str, str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = dict(_split(r) for r in data["dependencies"])
    test = dict(_split(r) for r in data["optional-dependencies"]["test"])
    return runtime, test


def _conda(path: Path) -> tuple[dict[str, str], list]:
    deps = yaml.safe_load(path.read_text())["dependencies"]
    conda = dict(_split(d) for d in deps if isinstance(d, str))
    pip = next((d["pip"] for d in deps if isinstance(d, dict)), [])
    return conda, pip


def test_environment_yml_lists_the_same_packages_and_floors():
    runtime, test = _pyproject()
    conda, pip = _conda(ROOT / "environment.yml")
    assert conda.pop("python") == ">=3.11"
    assert conda.pop("pip") == ""
    assert conda == runtime | test
    assert pip == ["-e ."]


def test_binder_environment_has_the_runtime_packages_and_no_editable_install():
    runtime, _ = _pyproject()
    conda, pip = _conda(ROOT / ".binder" / "environment.yml")
    conda.pop("python"), conda.pop("pip")
    assert conda == runtime
    assert pip == []
    post_build = (ROOT / ".binder" / "postBuild").read_text()
    assert "pip install" in post_build and "-e ." in post_build


def test_python_floor_agrees():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert data["requires-python"] == ">=3.11"

"""The lock files pin every dependency that pyproject.toml names (`make lock` after a change)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_normalised(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]) for line in requirements}


def _pinned(lock: str) -> set[str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {_normalised(name) for name in re.findall(r"^([A-Za-z0-9][\w.-]*)==", text, re.M)}


def test_run_lock_pins_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    missing = _requirement_names(project["dependencies"]) - _pinned("run.lock")
    assert not missing, f"not in requirements/run.lock (run `make lock`): {sorted(missing)}"


def test_dev_lock_pins_every_dev_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _requirement_names(project["dependencies"] + project["optional-dependencies"]["dev"])
    missing = wanted - _pinned("dev.lock")
    assert not missing, f"not in requirements/dev.lock (run `make lock`): {sorted(missing)}"

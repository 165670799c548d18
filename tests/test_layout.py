"""The import contracts that `make lint` runs: they fail on a new cycle and on lab_devices
importing senlab, and hold on the tree as it is.

Each test copies the packages and pyproject.toml to a temporary folder, changes the copy,
and runs the real `lint-imports` there with the repository's own contracts. The import is
put inside a function on purpose: hiding an import in a function must not hide a cycle.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
HIDDEN_IMPORT = "\n\ndef _added_by_the_test():\n    import {module}  # noqa: F401\n"


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of senlab/, lab_devices/ and pyproject.toml, without bytecode."""
    for package in ("senlab", "lab_devices"):
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def lint_imports(tree: Path, *contracts: str) -> subprocess.CompletedProcess:
    """`lint-imports` in `tree`, on its own packages only (not the installed ones)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo",
         *(arg for contract in contracts for arg in ("--contract", contract))],
        cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def add_import(tree: Path, module_file: str, imported: str) -> None:
    path = tree / module_file
    path.write_text(path.read_text() + HIDDEN_IMPORT.format(module=imported))


def contract_names() -> dict[str, str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract["name"] for contract in config["contracts"]}


def test_make_lint_runs_the_contracts():
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.M)
    assert recipe and "$(BIN)/lint-imports" in recipe.group(1)


def test_the_contracts_hold_on_the_packages_as_they_are(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in contract_names().values():
        assert f"{name} KEPT" in result.stdout


def test_lab_devices_importing_senlab_fails(tree):
    add_import(tree, "lab_devices/device/base.py", "senlab.settings")
    result = lint_imports(tree, "devices-stand-alone")
    assert result.returncode == 1
    assert f"{contract_names()['devices-stand-alone']} BROKEN" in result.stdout
    assert "lab_devices.device.base -> senlab.settings" in result.stdout


def test_a_cycle_between_two_senlab_packages_fails(tree):
    # The hub imports the broker; the broker importing the hub closes a cycle.
    add_import(tree, "senlab/broker/accounts.py", "senlab.hub.roles")
    result = lint_imports(tree, "no-cycles", "senlab-layers")
    assert result.returncode == 1
    assert f"{contract_names()['no-cycles']} BROKEN" in result.stdout
    assert f"{contract_names()['senlab-layers']} BROKEN" in result.stdout
    assert "No cycles are allowed in senlab." in result.stdout
    assert "senlab.broker.accounts -> senlab.hub.roles" in result.stdout


def test_a_cycle_inside_a_package_fails_where_no_layer_is_drawn(tree):
    # The dashboard imports the charts; the charts importing the dashboard closes a cycle
    # that only the no-cycles contract sees (neither module is a layer).
    add_import(tree, "senlab/progress/charts.py", "senlab.progress.dashboard")
    kept = lint_imports(tree, "progress-layers")
    assert kept.returncode == 0, kept.stdout
    result = lint_imports(tree, "no-cycles")
    assert result.returncode == 1
    assert "No cycles are allowed in senlab.progress." in result.stdout
    # It names the import to remove to break the cycle: either side of it.
    assert re.search(r"- \.(charts -> \.dashboard|dashboard -> \.charts) \(1 import\)",
                     result.stdout)


def test_a_new_top_level_module_must_take_its_place_in_the_layers(tree):
    (tree / "senlab" / "stray.py").write_text('"""A module no layer lists."""\n')
    result = lint_imports(tree, "senlab-layers")
    assert result.returncode == 1
    assert "senlab.stray" in result.stdout

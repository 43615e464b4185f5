"""The layers of pyproject.toml (portal > alerts > veille > incidents > reflexes > accounts > core) hold, and the check
does see a crossing: the same contract, applied to a small package laid out like acss/, refuses an upward import
(even one inside a function) and an application given no layer."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from importlinter import api  # noqa: F401 (importing it configures import-linter's adapters)
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "layered_sample"


def _lint(config: Path, capsys) -> tuple[bool, str]:
    kept = lint_imports(config_filename=str(config), cache_dir=None, no_logo=True)
    return kept, capsys.readouterr().out


def _layer_apps() -> list[list[str]]:
    """The contract's layers, top first, each as the applications it holds."""
    (contract,) = _project_contracts()["contracts"]
    return [[name.strip() for name in layer.replace("|", ":").split(":")] for layer in contract["layers"]]


def _project_contracts() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def test_the_project_keeps_its_layers(capsys):
    kept, report = _lint(ROOT / "pyproject.toml", capsys)
    assert kept, report
    assert "0 broken" in report


def test_the_contract_is_exhaustive_and_names_every_application():
    (contract,) = _project_contracts()["contracts"]
    assert contract["type"] == "layers" and contract["containers"] == ["acss"] and contract["exhaustive"] is True
    listed = {name.strip() for layer in contract["layers"] for name in layer.replace("|", ":").split(":")}
    apps = {path.parent.name for path in (ROOT / "acss").glob("*/apps.py")}
    assert listed == apps


@pytest.fixture
def sample(tmp_path, monkeypatch):
    """A package with the applications of acss/, importing only downwards, and the project's contract on it."""
    package = tmp_path / SAMPLE
    layers = _layer_apps()
    for app in (app for layer in layers for app in layer):
        (package / app).mkdir(parents=True)
        (package / app / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")

    def write(module: str, code: str) -> None:
        (package / module.replace(".", "/")).with_suffix(".py").write_text(code)

    write("core.models", "VALUE = 1\n")
    # Each application imports the one just below it; the portal imports every feature application.
    for upper, lower in zip(layers, layers[1:], strict=False):
        for app in upper:
            if app != "core":
                write(
                    f"{app}.models", "".join(f"from {SAMPLE}.{below} import models as m_{below}\n" for below in lower)
                )
    write("portal.views", "".join(f"from {SAMPLE}.{app} import models as m_{app}\n" for app in layers[1]))

    options = _project_contracts()
    lines = ["[tool.importlinter]", f'root_package = "{SAMPLE}"']
    for contract in options["contracts"]:
        contract = {**contract, "containers": [SAMPLE]}
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in contract.items()]
    config = tmp_path / "contracts.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return write, config


def test_the_sample_keeps_the_layers(sample, capsys):
    _, config = sample
    kept, report = _lint(config, capsys)
    assert kept, report


@pytest.mark.parametrize(
    ("importer", "imported", "code"),
    [
        ("core", "veille", "from {pkg}.veille import models\n"),
        ("core", "accounts", "def f():\n    from {pkg}.accounts import models\n"),  # hidden in a function
        ("accounts", "incidents", "import {pkg}.incidents.models\n"),
        ("reflexes", "incidents", "from {pkg}.incidents import models\n"),
        ("incidents", "veille", "from {pkg}.veille import models\n"),
        ("incidents", "portal", "from {pkg}.portal import views\n"),
        ("veille", "portal", "def f():\n    from {pkg}.portal import views\n"),
    ],
)
def test_an_upward_import_breaks_the_contract(sample, capsys, importer, imported, code):
    write, config = sample
    write(f"{importer}.wrong", code.format(pkg=SAMPLE))
    kept, report = _lint(config, capsys)
    assert not kept
    assert f"{SAMPLE}.{importer} is not allowed to import {SAMPLE}.{imported}" in report
    assert f"{SAMPLE}.{importer}.wrong -> {SAMPLE}.{imported}" in report


def test_an_application_without_a_layer_breaks_the_contract(sample, tmp_path, capsys):
    _, config = sample
    (tmp_path / SAMPLE / "newapp").mkdir()
    (tmp_path / SAMPLE / "newapp" / "__init__.py").write_text("")
    kept, report = _lint(config, capsys)
    assert not kept
    assert f"{SAMPLE}.newapp" in report and "not listed as layers" in report

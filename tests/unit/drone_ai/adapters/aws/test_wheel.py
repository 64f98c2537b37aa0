"""build_wheel's refusals (the real build runs in tests/integration/test_deploy_ec2.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from drone_ai.adapters.aws.wheel import WHEEL_BUILD_COMMAND, build_wheel
from drone_ai.errors import DeployError


def test_the_build_command_is_pips_wheel_of_the_package_alone() -> None:
    assert " ".join(WHEEL_BUILD_COMMAND) == "python -m pip wheel --no-deps -w"


def test_a_folder_that_is_no_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"with setup\.cfg"):
        build_wheel(tmp_path, tmp_path / "dist")


def test_a_failed_build_says_how_pip_exited(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = broken\n")
    # A build backend that does not exist: pip fails without fetching anything.
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "no_such_backend_here"\n'
    )
    with pytest.raises(DeployError, match="pip wheel exited 1"):
        build_wheel(tmp_path, tmp_path / "dist")
    assert not list((tmp_path / "dist").glob("*.whl"))


def test_old_build_output_in_the_tree_never_ships(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offline_index = Path("/opt/pypi/simple")
    if offline_index.is_dir():  # this machine's package mirror, as test_deploy_ec2 uses it
        monkeypatch.setenv("PIP_INDEX_URL", offline_index.as_uri())
    project = tmp_path / "project"
    (project / "tiny").mkdir(parents=True)
    (project / "tiny" / "__init__.py").write_text("")
    (project / "setup.cfg").write_text(
        "[metadata]\nname = tiny\nversion = 1.0\n[options]\npackages = tiny\n"
    )
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    # What an earlier build left: a module since deleted from the sources.
    (project / "build" / "lib" / "tiny").mkdir(parents=True)
    (project / "build" / "lib" / "tiny" / "deleted.py").write_text("SHIPPED = True\n")
    wheel = build_wheel(project, tmp_path / "out")
    with zipfile.ZipFile(wheel) as built:
        names = built.namelist()
    assert "tiny/__init__.py" in names
    assert "tiny/deleted.py" not in names
    assert (project / "build" / "lib" / "tiny" / "deleted.py").exists()  # the tree untouched

"""The release wheel, built one way everywhere: `drone-ai deploy` and the container image
(infra/container/Dockerfile) both run `python -m pip wheel --no-deps -w OUT .` on the
repository's sources (`WHEEL_BUILD_COMMAND`, then the folder and `.`).

Deploy builds from a copy of the repository without what .dockerignore keeps out of the
image's build context (environments, history, caches, old build output): setuptools builds
in the tree, and a module deleted since an earlier build would otherwise ship from build/lib.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from drone_ai.errors import DeployError

# pip's own PEP 517 build (isolated, setuptools from pyproject.toml), the package alone: its
# dependencies are resolved when the wheel is installed on the host.
WHEEL_BUILD_COMMAND = ("python", "-m", "pip", "wheel", "--no-deps", "-w")
_BUILD_TIMEOUT_S = 600.0
# The image's build context leaves these out too (.dockerignore); the wheel needs none of them.
_NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.pyc",
    "*.egg-info",
    "build",
    "dist",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    ".import_linter_cache",
    "recordings",
    "*.pem",
    "*.key",
    "tests",
    "bench",
)


def build_wheel(repo_root: Path, out_dir: Path) -> Path:
    """Build the package at `repo_root` into `out_dir` (made if missing); the wheel's path.

    Runs `python -m pip wheel --no-deps -w OUT .` with this interpreter in a clean copy of
    `repo_root`, into a fresh folder first, so that the one wheel there is the one just built.
    """
    if not (repo_root / "setup.cfg").is_file():
        raise DeployError(
            f"wheel: the repository's root (with setup.cfg) expected, got {repo_root}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=out_dir, prefix=".build-") as fresh,
        tempfile.TemporaryDirectory(prefix="drone-ai-source-") as scratch,
    ):
        source = Path(scratch) / "source"
        shutil.copytree(repo_root, source, ignore=_NOT_SOURCES, symlinks=True)
        command = [sys.executable, *WHEEL_BUILD_COMMAND[1:], fresh, "."]
        try:
            done = subprocess.run(
                command,
                cwd=source,
                capture_output=True,
                text=True,
                timeout=_BUILD_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise DeployError(f"wheel: pip wheel took over {_BUILD_TIMEOUT_S:g} s") from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-10:]
            raise DeployError(f"wheel: pip wheel exited {done.returncode}: " + " | ".join(tail))
        built = sorted(Path(fresh).glob("*.whl"))
        if len(built) != 1:
            raise DeployError(
                f"wheel: one wheel expected from pip wheel, got {[p.name for p in built]}"
            )
        return built[0].replace(out_dir / built[0].name)

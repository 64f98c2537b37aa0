"""Files replaced atomically with their mode set before their bytes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from drone_ai.adapters.host.atomic_file import write_atomically


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave a new file readable by all, as a careless shell's does."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_file_gets_the_mode_asked_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "key.pem"
    assert write_atomically(path, b"secret", 0o600) is True
    assert (path.read_bytes(), stat.S_IMODE(path.stat().st_mode)) == (b"secret", 0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["key.pem"]


def test_the_same_bytes_and_mode_again_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tower.toml"
    write_atomically(path, b"listen = 1\n", 0o644)
    inode = path.stat().st_ino
    assert write_atomically(path, b"listen = 1\n", 0o644) is False
    assert path.stat().st_ino == inode


@pytest.mark.parametrize(
    ("data", "mode"), [(b"other", 0o644), (b"same", 0o600)], ids=["bytes", "mode"]
)
def test_other_bytes_or_another_mode_replace_the_file(
    tmp_path: Path, data: bytes, mode: int
) -> None:
    path = tmp_path / "f"
    write_atomically(path, b"same", 0o644)
    assert write_atomically(path, data, mode) is True
    assert (path.read_bytes(), stat.S_IMODE(path.stat().st_mode)) == (data, mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    path = tmp_path / "f"
    write_atomically(path, b"old", 0o644)
    with pytest.raises(TypeError):
        write_atomically(path, "not bytes", 0o644)  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]

"""A part's SQLite file is owner-only, in a folder made for it if there is none, and several
processes opening files in one new folder at once (a station's devices starting together)
never stop one another."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kernel.private import private_database
from kernel.sqlite import open_durable


def test_a_new_folder_and_its_database_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "edge" / "LC01-D01-FIX1.sqlite"
    open_durable(path).close()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_folder_another_process_made_after_the_check_is_taken_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race three stations of the demo met: each saw no folder, one made it, the next
    one's mkdir found it there."""
    folder = tmp_path / "state" / "edge"
    folder.mkdir(parents=True, mode=0o750)
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda p: False if p == folder else real_exists(p))
    private_database(folder / "LC01-D02-FIX1.sqlite")
    assert (folder / "LC01-D02-FIX1.sqlite").is_file()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750  # someone else's folder: left alone

import os
import stat
from pathlib import Path

import pytest

from labeling import lists
from labeling.lists import TEMP_PREFIX, read_list, write_list


def test_tolerant_reading(tmp_path: Path) -> None:
    path = tmp_path / "l"
    path.write_bytes(b"\xef\xbb\xbfa.jpg\r\n\r\nb.jpg   \n\n  \nc d.jpg\t\na.jpg\nb.jpg\nlast.jpg")
    got = read_list(path)
    assert got.items == ["a.jpg", "b.jpg", "c d.jpg", "last.jpg"]
    assert got.duplicates == ["a.jpg", "b.jpg"]
    assert got.exists


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    got = read_list(tmp_path / "nope")
    assert got.items == [] and not got.exists


def test_non_utf8_names_survive_a_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "l"
    path.write_bytes(b"caf\xe9.jpg\nok.jpg\n")
    write_list(path, read_list(path).items)
    assert path.read_bytes() == b"caf\xe9.jpg\nok.jpg\n"


def test_write_keeps_permissions_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "l"
    path.write_text("a\n")
    os.chmod(path, 0o640)
    write_list(path, ["a", "b"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == "a\nb\n"
    assert [p.name for p in tmp_path.iterdir()] == ["l"]


def test_new_file_gets_the_umask_default_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_list(tmp_path / "new", ["x"])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o644


def test_failed_write_keeps_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "l"
    path.write_text("a\nb\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lists.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_list(path, ["c"] * 1000)
    assert path.read_text() == "a\nb\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]

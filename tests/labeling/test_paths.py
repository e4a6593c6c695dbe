import os
from pathlib import Path

import pytest

from labeling.paths import UnsafePathError, check_relative, resolve_image


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root" / "cards").mkdir(parents=True)
    (tmp_path / "root" / "cards" / "a.jpg").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("secret")
    return tmp_path / "root"


def test_plain_relative_path_resolves_inside_root(root: Path) -> None:
    assert resolve_image(root, "cards/a.jpg") == (root / "cards" / "a.jpg").resolve()


@pytest.mark.parametrize(
    "rel, reason",
    [
        ("../secret.txt", "'..'"),
        ("cards/../../secret.txt", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/win.ini", "absolute"),
        ("cards\\..\\..\\secret.txt", "backslash"),
        ("cards/a.jpg\x00.png", "NUL"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_hostile_paths_are_refused_with_a_clear_reason(root: Path, rel: str, reason: str) -> None:
    with pytest.raises(UnsafePathError) as err:
        resolve_image(root, rel)
    message = str(err.value)
    assert reason in message and "\n" not in message


def test_symlink_pointing_out_of_the_root_is_refused(root: Path) -> None:
    os.symlink(root.parent / "secret.txt", root / "cards" / "evil.jpg")
    os.symlink(root.parent, root / "up")
    with pytest.raises(UnsafePathError, match="outside the image root"):
        resolve_image(root, "cards/evil.jpg")
    with pytest.raises(UnsafePathError, match="outside the image root"):
        resolve_image(root, "up/secret.txt")


def test_symlink_staying_inside_the_root_is_fine(root: Path) -> None:
    os.symlink(root / "cards" / "a.jpg", root / "alias.jpg")
    assert resolve_image(root, "alias.jpg") == (root / "cards" / "a.jpg").resolve()


def test_check_relative_needs_no_disk() -> None:
    assert str(check_relative("x/y.jpg")) == "x/y.jpg"

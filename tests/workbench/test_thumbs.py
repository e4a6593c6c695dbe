import os
from pathlib import Path

import pytest
from PIL import Image

from workbench.thumbs import ThumbError, cached_thumbnail, make_thumbnail, placeholder


def photo(path: Path, size=(1200, 800), colour=(200, 30, 30), **save) -> Path:
    img = Image.new("RGB", size, colour)
    img.paste((20, 20, 200), (0, 0, size[0] // 2, size[1]))  # left half blue
    img.save(path, **save)
    return path


def test_large_jpeg_is_drafted_and_keeps_aspect_ratio(tmp_path: Path) -> None:
    src = photo(tmp_path / "big.jpg", size=(4000, 3000))
    with Image.open(src) as probe:
        probe.draft("RGB", (200, 200))
        assert probe.size[0] < 4000, "draft mode must shrink while decoding"
    thumb = make_thumbnail(src, 200)
    assert thumb.size == (200, 150)
    assert thumb.mode == "RGB"


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    src = photo(tmp_path / "rotated.jpg", size=(400, 200), exif=exif.tobytes())
    thumb = make_thumbnail(src, 100)
    assert thumb.size == (50, 100)  # portrait now
    top = thumb.getpixel((25, 5))
    assert top[2] > 150 and top[0] < 100, "the blue left half is on top after rotating clockwise"


def test_png_with_transparency_goes_on_white(tmp_path: Path) -> None:
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    assert make_thumbnail(tmp_path / "clear.png", 96).getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("notes.jpg", b"this is not an image", "not an image"),
        ("empty.jpg", b"", "not an image"),
    ],
)
def test_unreadable_files_give_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ThumbError, match=reason):
        make_thumbnail(tmp_path / name, 96)


def test_truncated_jpeg_gives_a_reason(tmp_path: Path) -> None:
    src = photo(tmp_path / "whole.jpg")
    (tmp_path / "cut.jpg").write_bytes(src.read_bytes()[:600])
    with pytest.raises(ThumbError, match="broken image"):
        make_thumbnail(tmp_path / "cut.jpg", 96)


def test_decompression_bomb_is_refused_without_decoding(tmp_path: Path) -> None:
    # A 1-bit PNG of 20000×20000 pixels: tiny on disk, 400 M pixels once decoded.
    Image.new("1", (20000, 20000)).save(tmp_path / "bomb.png")
    assert (tmp_path / "bomb.png").stat().st_size < 200_000
    with pytest.raises(ThumbError, match="too large"):
        make_thumbnail(tmp_path / "bomb.png", 96)


def test_cache_is_reused_and_renewed_when_the_image_changes(tmp_path: Path) -> None:
    src = photo(tmp_path / "a.jpg")
    cache = tmp_path / "cache"
    first = cached_thumbnail(src, size=96, cache_dir=cache)
    assert first.path is not None and first.error is None
    assert cached_thumbnail(src, size=96, cache_dir=cache) == first
    photo(src, colour=(0, 255, 0))
    os.utime(src, ns=(first.version + 10**9, first.version + 10**9))
    second = cached_thumbnail(src, size=96, cache_dir=cache)
    assert second.path != first.path
    assert Image.open(second.path).getpixel((90, 30))[1] > 200  # the new green right half


def test_errors_are_cached_and_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"garbage")
    cache = tmp_path / "cache"
    got = cached_thumbnail(bad, size=96, cache_dir=cache)
    assert got.path is None and got.error == "not an image Pillow can read"
    assert len(list(cache.rglob("*.err"))) == 1
    assert cached_thumbnail(tmp_path / "gone.jpg", size=96, cache_dir=cache).error == "file not found"


def test_placeholder_is_a_png() -> None:
    data = placeholder("broken image: truncated image file", 160)
    assert data.startswith(b"\x89PNG")

import os
from pathlib import Path

import numpy as np
from PIL import Image

from labeling.config import load_config
from model.cache import RowCache
from model.images import load_images


def test_row_cache_computes_only_missing_and_changed(tmp_path: Path) -> None:
    cache = RowCache(tmp_path, "t", shape=(2,), dtype="float32", meta={"a": 1})
    calls: list[list[int]] = []

    def compute(positions):
        calls.append(list(positions))
        yield positions, np.array([[p, len(calls)] for p in positions], dtype="float32")

    first = cache.get(["a", "b"], ["1", "1"], compute)
    assert calls == [[0, 1]] and first.shape == (2, 2)
    again = cache.get(["b", "a"], ["1", "1"], compute)
    assert calls == [[0, 1]] and (again == first[::-1]).all()
    cache.get(["a", "b", "c"], ["2", "1", "1"], compute)  # a changed, c new
    assert calls[-1] == [0, 2]
    other = RowCache(tmp_path, "t", shape=(2,), dtype="float32", meta={"a": 2})
    assert other.data_path != cache.data_path


def make_project(tmp_path: Path, size: int = 64) -> Path:
    root = tmp_path / "imgroot"
    root.mkdir()
    Image.new("RGB", (300, 100), "red").save(root / "wide.jpg")
    Image.new("RGB", (100, 300), "blue").save(root / "tall.png")
    (root / "broken.jpg").write_bytes(b"nope")
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "a").write_text("wide.jpg\ntall.png\nbroken.jpg\n")
    (tmp_path / "p.yaml").write_text(f"image_size: {size}\ntraining_data:\n- a: lists/a\n")
    return tmp_path / "p.yaml"


def test_images_are_padded_to_size_and_broken_ones_reported(tmp_path: Path) -> None:
    cfg = load_config(make_project(tmp_path))
    files = [cfg.image_root / n for n in ("wide.jpg", "tall.png", "broken.jpg")]
    got = load_images(cfg, files)
    assert got.images.shape == (3, 64, 64, 3)
    wide = got.images[0]
    assert wide[32, 32, 0] > 200 and wide[2, 32].max() == 0  # red in the middle, padding above
    assert got.ok.tolist() == [True, True, False]
    assert got.errors[2].startswith("cannot decode")
    # Warm: the same rows come from the cache without decoding (a changed file is decoded again).
    again = load_images(cfg, files)
    assert (again.images == got.images).all() and again.errors == got.errors
    Image.new("RGB", (300, 100), "green").save(files[0])
    os.utime(files[0], ns=(1, 1))
    assert load_images(cfg, files).images[0][32, 32, 1] > 100


def test_rotate_portrait_and_aspect_filter(tmp_path: Path) -> None:
    path = make_project(tmp_path)
    path.write_text(path.read_text() + "rotate_portrait: true\nmax_aspect_ratio: 2.5\n")
    cfg = load_config(path)
    Image.new("RGB", (100, 200), "blue").save(cfg.image_root / "tall2.png")
    got = load_images(cfg, [cfg.image_root / "tall2.png", cfg.image_root / "wide.jpg"])
    tall = got.images[0]
    assert tall[32, 32, 2] > 200 and tall[2, 32].max() == 0 and tall[32, 2].max() > 0  # landscape now
    assert "aspect ratio 3.0" in got.errors[1]


def test_crop_mode_fills_the_square(tmp_path: Path) -> None:
    path = make_project(tmp_path)
    path.write_text(path.read_text() + "resize: crop\n")
    cfg = load_config(path)
    wide = load_images(cfg, [cfg.image_root / "wide.jpg"]).images[0]
    assert wide[2, 32, 0] > 200 and wide[32, 2, 0] > 200  # no padding anywhere


def test_rows_of_changed_files_are_compacted_away(tmp_path: Path) -> None:
    cache = RowCache(tmp_path, "t", shape=(1,), dtype="float32", meta={})
    keys = [f"k{i}" for i in range(10)]

    def compute(version):
        def fn(positions):
            yield positions, np.array([[version * 100 + p] for p in positions], dtype="float32")

        return fn

    for version in range(40):  # every file changes 40 times
        rows = cache.get(keys, [str(version)] * 10, compute(version))
        assert rows[:, 0].tolist() == [version * 100 + p for p in range(10)]
    assert np.load(cache.data_path, mmap_mode="r").shape[0] <= 2 * 10 + 256 + 64

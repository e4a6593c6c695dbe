"""Benchmark: thumbnails, cold and warm.

Prints cold thumbnails per second (draft-mode decode + disk cache) against a baseline of plain
full decode + resize measured in the same run, and the warm time to build one page of 35 and of
100 tiles (thumbnails already cached, as when paging back and forth).

Usage: .venv/bin/python bench/thumbs.py [--images N] [--side PX]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

from labeling.config import load_config
from labeling.lists import write_list
from workbench.grid import build_tiles
from workbench.thumbs import cached_thumbnail

SIZE = 200


def make_photos(folder: Path, n: int, side: int) -> list[Path]:
    """Camera-sized JPEGs with texture (noise over gradients), like real photos."""
    rng = np.random.default_rng(0)
    h, w = side * 2 // 3, side
    ys, xs = np.mgrid[0:h, 0:w]
    paths = []
    for i in range(n):
        base = np.stack([(xs * (i + 1) % 255), (ys * 2 % 255), ((xs + ys) % 255)], axis=-1).astype(np.int16)
        noisy = np.clip(base + rng.integers(-40, 40, size=base.shape), 0, 255).astype(np.uint8)
        path = folder / f"photo-{i:03d}.jpg"
        Image.fromarray(noisy).save(path, quality=90)
        paths.append(path)
    return paths


def naive(path: Path) -> bytes:
    with Image.open(path) as img:
        out = img.convert("RGB")
        out = out.resize((SIZE, SIZE * out.height // out.width), Image.Resampling.LANCZOS)
    buf = BytesIO()
    out.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--side", type=int, default=3000, help="long side of the test photos (px)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "imgroot").mkdir()
        photos = make_photos(root / "imgroot", args.images, args.side)
        print(f"{len(photos)} JPEG photos of {args.side}×{args.side * 2 // 3} px")

        t0 = time.perf_counter()
        for p in photos:
            naive(p)
        base_rate = len(photos) / (time.perf_counter() - t0)

        t0 = time.perf_counter()
        for p in photos:
            assert cached_thumbnail(p, size=SIZE, cache_dir=root / "cache").error is None
        cold_rate = len(photos) / (time.perf_counter() - t0)
        print(f"baseline full decode + resize: {base_rate:8.1f} thumbnails/s")
        print(f"cold (draft decode + cache):   {cold_rate:8.1f} thumbnails/s   ratio {cold_rate / base_rate:.1f}×")

        names = [p.name for p in photos]
        items = [names[i % len(names)] for i in range(100)]
        write_list(root / "lists" / "all", items)
        (root / "p.yaml").write_text("state_dir: .\ntraining_data:\n- all: lists/all\n")
        config = load_config(root / "p.yaml")
        build_tiles(config, names, size=SIZE)  # warm the cache
        for count in (35, 100):
            runs = []
            for _ in range(20):
                t0 = time.perf_counter()
                build_tiles(config, items[:count], size=SIZE)
                runs.append(time.perf_counter() - t0)
            print(f"warm page of {count:3d} tiles:        {statistics.median(runs) * 1000:8.1f} ms (median of 20)")


if __name__ == "__main__":
    main()

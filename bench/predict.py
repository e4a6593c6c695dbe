"""Benchmark: prediction throughput and decode-cache speed, each against a baseline from the same run.

- naive: per image, Pillow decode + resize with padding + ``model.predict`` on one image;
- ``predict_files``: tf.data parallel decode into the cache + batched predict (cold), then warm;
- decode cache: loading cached model-size images versus decoding the JPEGs.

Usage: .venv/bin/python bench/predict.py [--images 400] [--size 224]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from labeling.config import load_config
from labeling.lists import write_list
from model.images import load_images
from model.predict import load_model, predict_files
from model.train import train

SHARED = Path(__file__).resolve().parents[2] / "shared"
WEIGHTS = SHARED / "weights" / "mobilenet_v2_1.0_imagenet_no_top.weights.h5"
HOUSES = SHARED / "datasets" / "houses"


def naive_one(model, path: Path, size: int) -> np.ndarray:
    img = Image.open(path).convert("RGB")
    img.thumbnail((size, size))
    canvas = Image.new("RGB", (size, size))
    canvas.paste(img, ((size - img.width) // 2, (size - img.height) // 2))
    return model.predict(np.asarray(canvas, dtype="float32")[None], verbose=0)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--size", type=int, default=224)
    args = parser.parse_args()
    rooms = sorted(p.name for p in HOUSES.iterdir() if p.is_dir())
    items = {r: sorted(f"{r}/{p.name}" for p in (HOUSES / r).glob("*.jpg"))[:60] for r in rooms}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for r in rooms:
            write_list(folder / "lists" / r, items[r])
        (folder / "p.yaml").write_text(
            f"image_root: {HOUSES}\nweights: {WEIGHTS}\nimage_size: {args.size}\nepochs: 5\n"
            "training_data:\n" + "".join(f"- {r}: lists/{r}\n" for r in rooms)
        )
        cfg = load_config(folder / "p.yaml")
        train(cfg)
        shutil.rmtree(cfg.state_dir / "cache")
        loaded = load_model(cfg)
        every = sorted(HOUSES.glob("*/*.jpg"))
        files = [every[i % len(every)] for i in range(0, len(every), max(1, len(every) // args.images))][: args.images]
        print(f"{len(files)} photos of houses, model input {args.size}×{args.size}, {cfg.backbone}")

        sample = files[: max(20, len(files) // 10)]
        naive_one(loaded.model, sample[0], args.size)  # warm-up
        t0 = time.perf_counter()
        for f in sample:
            naive_one(loaded.model, f, args.size)
        naive = len(sample) / (time.perf_counter() - t0)

        t0 = time.perf_counter()
        predict_files(cfg, files, loaded=loaded)
        cold = len(files) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        predict_files(cfg, files, loaded=loaded)
        warm = len(files) / (time.perf_counter() - t0)
        print(f"naive per-image loop:          {naive:8.1f} images/s")
        print(f"predict_files, cold cache:     {cold:8.1f} images/s   ratio {cold / naive:.1f}×")
        print(f"predict_files, warm cache:     {warm:8.1f} images/s   ratio {warm / naive:.1f}×")

        shutil.rmtree(cfg.state_dir / "cache")
        t0 = time.perf_counter()
        load_images(cfg, files)
        decode = len(files) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _ in range(5):
            load_images(cfg, files)
        cached = 5 * len(files) / (time.perf_counter() - t0)
        print(f"decode into cache:             {decode:8.1f} images/s")
        print(f"load from cache:               {cached:8.1f} images/s   ratio {cached / decode:.1f}×")


if __name__ == "__main__":
    main()

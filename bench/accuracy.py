"""Accuracy of the fast path (frozen MobileNetV2 + trained head) on the shared real datasets.

hymenoptera_data: its own train/val folders; houses: a seeded 70/30 split.
Usage: .venv/bin/python bench/accuracy.py [--size 224] [--epochs 30] [--resize pad|crop]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from labeling.config import load_config
from labeling.lists import write_list
from model.train import features, fit

SHARED = Path(__file__).resolve().parents[2] / "shared"
WEIGHTS = SHARED / "weights" / "mobilenet_v2_1.0_imagenet_no_top.weights.h5"


def evaluate(name: str, root: Path, train: dict[str, list[str]], val: dict[str, list[str]], args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        labels = sorted(train)
        for label in labels:
            write_list(folder / "lists" / label, train[label] + val[label])
        (folder / "p.yaml").write_text(
            f"image_root: {root}\nweights: {WEIGHTS}\nimage_size: {args.size}\nepochs: {args.epochs}\n"
            f"resize: {args.resize}\n"
            "training_data:\n" + "".join(f"- {label}: lists/{label}\n" for label in labels)
        )
        cfg = load_config(folder / "p.yaml")
        items = [i for label in labels for i in train[label] + val[label]]
        y = np.array([n for n, label in enumerate(labels) for _ in train[label] + val[label]])
        is_val = np.array([i in set(v for vs in val.values() for v in vs) for i in items])
        t0 = time.perf_counter()
        feats = features(cfg, [root / i for i in items])
        t1 = time.perf_counter()
        model, _ = fit(cfg, feats, y, np.flatnonzero(~is_val), n_classes=len(labels))
        t2 = time.perf_counter()
        acc = float((model.predict(feats.x[is_val], verbose=0).argmax(1) == y[is_val]).mean())
        print(f"{name:12s} train {int((~is_val).sum()):5d} val {int(is_val.sum()):5d}  accuracy {acc:.3f}  "
              f"(embeddings {t1 - t0:.0f} s, head {t2 - t1:.1f} s, size {args.size}, resize {args.resize})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--resize", choices=["pad", "crop"], default="pad")
    args = parser.parse_args()
    hym = SHARED / "datasets" / "hymenoptera_data"
    split = {s: {c: sorted(f"{s}/{c}/{p.name}" for p in (hym / s / c).glob("*.jpg")) for c in ("ants", "bees")}
             for s in ("train", "val")}  # fmt: skip
    evaluate("hymenoptera", hym, split["train"], split["val"], args)
    houses = SHARED / "datasets" / "houses"
    rng = random.Random(0)
    train, val = {}, {}
    for room in sorted(p.name for p in houses.iterdir() if p.is_dir()):
        its = sorted(f"{room}/{p.name}" for p in (houses / room).glob("*.jpg"))
        rng.shuffle(its)
        cut = round(0.7 * len(its))
        train[room], val[room] = its[:cut], its[cut:]
    evaluate("houses", houses, train, val, args)


if __name__ == "__main__":
    main()

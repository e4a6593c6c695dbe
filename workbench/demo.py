"""A built-in demo project: synthetic postcards drawn with Pillow.

Three kinds of image, like the postcard-sorting workflow the workbench comes from:

* ``blank``: the back of a postcard with nothing written on it (printed header, divider,
  stamp box outline, address rules);
* ``with_address``: the same back with handwriting-like lines and a stamp;
* ``picture``: a picture front (sky, sun, hills, houses).

The project has a labeled list per kind (each with a few deliberately wrong entries, for the
review screens to find), an unsorted inbox for quick-labeling and a "scan batch" that is
mostly blank backs, for weeding out. ``demo-truth.json`` records the true kind of every image.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from labeling.lists import atomic_write_bytes, write_list

__all__ = ["DemoProject", "KINDS", "make_demo"]

KINDS = ("blank", "with_address", "picture")
CONFIG_NAME = "demo.yaml"
SIZE = (300, 200)


@dataclass(frozen=True)
class DemoProject:
    """What :func:`make_demo` wrote.

    Attributes
    ----------
    config:
        Path of the project config (``DIR/demo.yaml``).
    truth:
        True kind of every image, by image path relative to the image root.
    wrong:
        Image paths that sit in the list of a label that is not their kind.
    """

    config: Path
    truth: dict[str, str]
    wrong: list[str]


def _paper(rng: random.Random) -> Image.Image:
    tint = rng.randint(-12, 6)
    base = (238 + tint, 230 + tint, 208 + tint)
    img = Image.new("RGB", SIZE, base)
    draw = ImageDraw.Draw(img)
    for _ in range(400):  # paper fibres and foxing
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        d = rng.randint(-25, 10)
        draw.point((x, y), fill=(base[0] + d, base[1] + d, base[2] + d))
    return img


def _back(rng: random.Random) -> Image.Image:
    img = _paper(rng)
    draw = ImageDraw.Draw(img)
    ink = (110, 95, 80)
    w, h = SIZE
    draw.text((w // 2 - 28, 8), "POST CARD", fill=ink)
    mid = w // 2 + rng.randint(-6, 6)
    draw.line((mid, 28, mid, h - 14), fill=ink, width=1)
    draw.rectangle((w - 52, 14, w - 14, 58), outline=ink)  # stamp box
    for k in range(4):  # address rules
        y = 92 + k * 24
        draw.line((mid + 14, y, w - 16, y), fill=(150, 140, 125), width=1)
    return img


def _handwriting(draw: ImageDraw.ImageDraw, rng: random.Random, x0: int, x1: int, y: int) -> None:
    ink = rng.choice([(25, 30, 90), (20, 20, 20), (60, 25, 25)])
    x = x0
    while x < x1 - 8:
        word = rng.randint(12, 34)
        pts = []
        for i in range(word):
            px = x + i
            py = y - 4 + 5 * math.sin(i * rng.uniform(0.7, 1.4)) + rng.uniform(-1.5, 1.5)
            pts.append((px, py))
        draw.line(pts, fill=ink, width=2)
        x += word + rng.randint(5, 9)


def _with_address(rng: random.Random) -> Image.Image:
    img = _back(rng)
    draw = ImageDraw.Draw(img)
    w, h = SIZE
    mid = w // 2
    for k in range(rng.randint(3, 4)):
        _handwriting(draw, rng, mid + 16, w - 16 - rng.randint(0, 30), 90 + k * 24)
    for k in range(rng.randint(2, 6)):  # a message on the left half
        _handwriting(draw, rng, 12, mid - 10 - rng.randint(0, 40), 40 + k * 22)
    stamp = tuple(rng.randint(40, 200) for _ in range(3))
    draw.rectangle((w - 50, 16, w - 16, 56), fill=stamp)
    draw.ellipse((w - 72, 22, w - 34, 60), outline=(40, 40, 40), width=2)  # postmark
    return img


def _picture(rng: random.Random) -> Image.Image:
    w, h = SIZE
    img = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(img)
    top = (rng.randint(40, 120), rng.randint(100, 170), rng.randint(180, 250))
    low = (rng.randint(180, 250), rng.randint(170, 230), rng.randint(140, 220))
    for y in range(h):
        t = y / h
        draw.line((0, y, w, y), fill=tuple(int(a + (b - a) * t) for a, b in zip(top, low)))
    sx, sy = rng.randint(20, w - 20), rng.randint(15, 60)
    draw.ellipse((sx - 14, sy - 14, sx + 14, sy + 14), fill=(250, 220, 90))
    for layer in range(3):
        base = h - 30 - layer * 25 + rng.randint(-10, 10)
        colour = (rng.randint(20, 90), rng.randint(80, 160), rng.randint(20, 80))
        pts = [(0, h)] + [(x, base - rng.randint(0, 50)) for x in range(0, w + 40, 40)] + [(w, h)]
        draw.polygon(pts, fill=colour)
    for _ in range(rng.randint(1, 5)):
        bx, bw, bh = rng.randint(0, w - 40), rng.randint(18, 40), rng.randint(20, 60)
        draw.rectangle((bx, h - bh, bx + bw, h), fill=tuple(rng.randint(100, 230) for _ in range(3)))
        draw.polygon([(bx - 3, h - bh), (bx + bw // 2, h - bh - 15), (bx + bw + 3, h - bh)], fill=(150, 40, 30))
    return img.filter(ImageFilter.SMOOTH)


_DRAW = {"blank": _back, "with_address": _with_address, "picture": _picture}


def _image(kind: str, rng: random.Random) -> Image.Image:
    img = _DRAW[kind](rng)
    if rng.random() < 0.1:  # some cards were scanned upright
        img = img.rotate(90, expand=True)
    return img


def make_demo(folder: Path, *, seed: int = 7, per_label: int = 80, force: bool = False) -> DemoProject:
    """Create the demo project in ``folder``.

    Writes ``imgroot/demo/*.jpg``, the lists ``lists/demo-*``, ``demo.yaml`` and
    ``demo-truth.json``. Deterministic for a given ``seed``.

    Raises
    ------
    FileExistsError
        If ``folder/demo.yaml`` exists and ``force`` is false.
    """
    folder = Path(folder)
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise FileExistsError(f"{config} already exists; pass --force to write the demo again")
    rng = random.Random(seed)
    img_dir = folder / "imgroot" / "demo"
    img_dir.mkdir(parents=True, exist_ok=True)
    lists_dir = folder / "lists"
    lists_dir.mkdir(parents=True, exist_ok=True)

    truth: dict[str, str] = {}
    total = per_label * len(KINDS) + 60 + 42
    numbers = rng.sample(range(1, total + 1), total)  # file names give nothing away

    def draw(kind: str) -> str:
        rel = f"demo/card-{numbers[len(truth)]:04d}.jpg"
        _image(kind, rng).save(folder / "imgroot" / rel, quality=88)
        truth[rel] = kind
        return rel

    n_wrong = max(1, per_label // 20)
    labeled: dict[str, list[str]] = {}
    wrong: list[str] = []
    for kind in KINDS:
        items = [draw(kind) for _ in range(per_label - n_wrong)]
        for _ in range(n_wrong):
            other = rng.choice([k for k in KINDS if k != kind])
            rel = draw(other)
            wrong.append(rel)
            items.insert(rng.randrange(len(items) + 1), rel)
        labeled[kind] = items
    unsorted = [draw(rng.choice(KINDS)) for _ in range(60)]
    scan = [draw("blank") for _ in range(36)]
    for _ in range(6):
        scan.insert(rng.randrange(len(scan) + 1), draw(rng.choice(["with_address", "picture"])))

    for kind, items in labeled.items():
        write_list(lists_dir / f"demo-{kind}", items)
    write_list(lists_dir / "demo-unsorted", unsorted)
    write_list(lists_dir / "demo-scan", scan)
    text = (
        "# Demo project made by `workbench demo`: synthetic postcards.\n"
        "model_file: demo.keras\n"
        "port: 8001\n"
        "image_root: imgroot\n"
        "threshold: 0.95\n"
        "image_size: 96\n"
        "training_data:\n" + "".join(f"- {kind}:\n  - lists/demo-{kind}\n" for kind in KINDS)
    )
    atomic_write_bytes(folder / "demo-truth.json", json.dumps(truth, indent=1).encode())
    atomic_write_bytes(config, text.encode())
    return DemoProject(config=config.resolve(), truth=truth, wrong=wrong)

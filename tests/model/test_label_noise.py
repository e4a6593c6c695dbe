"""Label noise on real photos: the out-of-fold ranking must find the flipped labels."""

import random
from pathlib import Path

import pytest

from labeling.config import load_config
from labeling.lists import write_list
from labeling.predictions import read_predictions
from model.analyze import analyze
from tests.conftest import SHARED
from tests.model.conftest import model_config

HOUSES = SHARED / "datasets" / "houses"
pytestmark = pytest.mark.slow


def test_five_percent_flipped_labels_rank_first(tmp_path: Path) -> None:
    rooms = sorted(p.name for p in HOUSES.iterdir() if p.is_dir())
    items = {room: sorted(f"{room}/{p.name}" for p in (HOUSES / room).glob("*.jpg")) for room in rooms}
    everything = [(item, room) for room, its in items.items() for item in its]
    rng = random.Random(5)
    flipped = set(rng.sample([item for item, _ in everything], round(0.05 * len(everything))))
    given: dict[str, list[str]] = {room: [] for room in rooms}
    for item, room in everything:
        label = rng.choice([r for r in rooms if r != room]) if item in flipped else room
        given[label].append(item)
    (tmp_path / "lists").mkdir()
    for room, its in given.items():
        write_list(tmp_path / "lists" / room, its)
    (tmp_path / "houses.yaml").write_text(
        f"image_root: {HOUSES}\ntraining_data:\n" + "".join(f"- {r}: lists/{r}\n" for r in rooms)
    )
    cfg = load_config(model_config(tmp_path / "houses.yaml", epochs=20, folds=4))
    result = analyze(cfg)
    assert result.n_labeled == len(everything) and not result.left_out
    store = read_predictions(cfg.state_dir)
    ranked = sorted(store.items.values(), key=lambda p: p.quality)
    first = {p.path for p in ranked[: 2 * len(flipped)]}
    found = len(first & flipped) / len(flipped)
    print(f"{len(flipped)} flipped; {found:.0%} of them in the first {2 * len(flipped)}")
    assert found >= 0.8

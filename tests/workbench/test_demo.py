import json
from pathlib import Path

import pytest
from PIL import Image

from labeling.check import check_project
from labeling.config import load_config
from labeling.lists import read_list
from workbench.demo import KINDS, DemoProject, make_demo


def test_demo_is_a_valid_project_with_deliberately_wrong_labels(demo: DemoProject) -> None:
    cfg = load_config(demo.config)
    assert cfg.label_names == list(KINDS)
    assert check_project(cfg) == []
    truth = json.loads((demo.config.parent / "demo-truth.json").read_text())
    assert truth == demo.truth
    wrong_found = []
    for label in cfg.labels:
        for item in read_list(label.lists[0]).items:
            if truth[item] != label.name:
                wrong_found.append(item)
    assert sorted(wrong_found) == sorted(demo.wrong) and len(demo.wrong) == 3
    lists = {p.name for p in (demo.config.parent / "lists").iterdir()}
    assert {"demo-unsorted", "demo-scan"} <= lists


def test_demo_images_are_real_jpegs_of_three_kinds(demo: DemoProject) -> None:
    root = demo.config.parent / "imgroot"
    for rel in list(demo.truth)[:30]:
        with Image.open(root / rel) as img:
            img.verify()
            assert img.format == "JPEG"
    assert set(demo.truth.values()) == set(KINDS)


def test_scan_batch_is_mostly_blank(demo: DemoProject) -> None:
    scan = read_list(demo.config.parent / "lists" / "demo-scan").items
    blank = [i for i in scan if demo.truth[i] == "blank"]
    assert len(scan) == 42 and len(blank) == 36


def test_demo_is_deterministic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    a = make_demo(tmp_path / "a", per_label=20)
    b = make_demo(tmp_path / "b", per_label=20)
    assert a.truth == b.truth
    with pytest.raises(FileExistsError, match="--force"):
        make_demo(tmp_path / "a", per_label=20)
    make_demo(tmp_path / "a", per_label=20, force=True)

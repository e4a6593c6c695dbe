"""Screens driven through their parameters, without a browser (the files are the truth)."""

from pathlib import Path

import pytest

from labeling.lists import read_list
from labeling.predictions import read_predictions
from workbench.demo import DemoProject
from workbench.project import open_project
from workbench.screens.quicklabel import CONFIG, QuickLabel
from workbench.screens.weed import WeedOut


def items(path: Path) -> list[str]:
    return read_list(path).items


@pytest.fixture
def project(demo: DemoProject):
    return open_project(demo.config)


def test_quick_label_straight_into_the_config_lists(project) -> None:
    lists = project.config.base_dir / "lists"
    screen = QuickLabel(project, list_name="lists/demo-unsorted", destination=CONFIG)
    before = items(lists / "demo-unsorted")
    picture = items(lists / "demo-picture")
    screen.grid.cursor = 2
    assert screen.grid.actions["3"] == "label:2" and "4" not in screen.grid.actions
    screen._on_key("label:2", 2)
    assert items(lists / "demo-picture") == picture + [before[2]]
    assert items(lists / "demo-unsorted") == before[:2] + before[3:]
    assert not (lists / "demo-unsorted.picture").exists()


def test_skip_sends_items_to_the_back_of_the_session_queue(project) -> None:
    lists = project.config.base_dir / "lists"
    screen = QuickLabel(project, list_name="lists/demo-unsorted", page_size=5)
    before = items(lists / "demo-unsorted")
    screen.grid.marked = before[:2]
    screen.param.trigger("skip")
    assert [t["key"] for t in screen.grid.tiles] == before[2:7]
    assert items(lists / "demo-unsorted") == before  # nothing written
    screen.param.update(layout="one large")
    assert [t["key"] for t in screen.grid.tiles] == [before[2]]
    assert "/thumb/800/" in screen.grid.tiles[0]["src"]


def test_label_order_and_choice_drive_the_keys(project) -> None:
    screen = QuickLabel(project, list_name="lists/demo-unsorted", labels=["picture", "blank"])
    assert screen.grid.actions["1"] == "label:0" and "3" not in screen.grid.actions
    screen._on_key("label:0", 0)
    first = items(project.config.base_dir / "lists" / "demo-unsorted.picture")
    assert len(first) == 1


def test_inputs_exclude_label_lists_and_outputs(project) -> None:
    lists = project.config.base_dir / "lists"
    (lists / "demo-scan.ok").write_text("x\n")
    (lists / "demo-scan.blank").write_text("x\n")
    assert QuickLabel(project).param.list_name.objects == ["lists/demo-scan", "lists/demo-unsorted"]
    assert "lists/demo-scan.ok" not in WeedOut(project).param.list_name.objects


def test_undo_with_nothing_done_says_so(project) -> None:
    screen = WeedOut(project, list_name="lists/demo-scan")
    screen.param.trigger("undo")
    assert screen.message == "Nothing to undo in this session."


def test_quick_label_orders_by_prediction_and_confirms(analyzed_demo, tmp_path) -> None:
    from tests.conftest import copy_project

    demo = copy_project(analyzed_demo, tmp_path / "copy")
    project = open_project(demo.config)
    lists = project.config.base_dir / "lists"
    screen = QuickLabel(project, list_name="lists/demo-unsorted", order="most confident first", page_size=10)
    store = read_predictions(project.config.state_dir)
    confs = [store.items[t["key"]].confidence for t in screen.grid.tiles]
    assert confs == sorted(confs, reverse=True)
    first = screen.grid.tiles[0]
    pred = store.items[first["key"]]
    assert first["caption"] == f"{pred.predicted} {pred.confidence:.2f}"
    chosen = [t["key"] for t in screen.grid.tiles[:4]]
    screen.grid.marked = chosen
    screen.param.trigger("confirm")
    moved = {m.dst.name: list(m.items) for m in project.store.history()[-1].moves}
    assert sorted(i for its in moved.values() for i in its) == sorted(chosen)
    for dst, its in moved.items():
        assert all(store.items[i].predicted == dst.split(".")[-1] for i in its)
        assert all(demo.truth[i] == dst.split(".")[-1] for i in its)  # confident and right
    screen.param.trigger("undo")
    assert len(items(lists / "demo-unsorted")) == 60


def test_nothing_is_written_without_a_persons_action(analyzed_demo, tmp_path) -> None:
    from tests.conftest import copy_project

    demo = copy_project(analyzed_demo, tmp_path / "copy")
    project = open_project(demo.config)
    before = {p.name: p.read_bytes() for p in (project.config.base_dir / "lists").iterdir()}
    for order in ("most confident first", "least confident first", "by predicted label", "list order"):
        QuickLabel(project, list_name="lists/demo-unsorted", order=order)
    after = {p.name: p.read_bytes() for p in (project.config.base_dir / "lists").iterdir()}
    assert after == before

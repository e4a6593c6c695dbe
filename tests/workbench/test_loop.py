"""The retraining loop with real watchdog events and real worker processes."""

from pathlib import Path

import pytest
from watchdog.events import FileModifiedEvent, FileMovedEvent

from labeling.config import load_config
from labeling.lists import read_list, write_list
from labeling.predictions import read_predictions, store_path
from tests.conftest import copy_project, wait_until
from workbench.loop import RetrainLoop, _Handler

pytestmark = pytest.mark.slow


@pytest.fixture
def project(analyzed_demo, tmp_path: Path):
    demo = copy_project(analyzed_demo, tmp_path / "copy")
    return demo


@pytest.fixture
def loop(project):
    loop = RetrainLoop(project.config, settle=1.0)
    loop.start()
    yield loop
    loop.stop()


def test_own_temp_files_caches_and_reports_do_not_count(project) -> None:
    loop = RetrainLoop(project.config)
    loop._load_config()
    try:
        base = project.config.parent
        handler = _Handler(loop)
        quiet = [
            FileModifiedEvent(str(base / "lists" / ".wb-tmp-demo-scan.123")),
            FileModifiedEvent(str(base / ".workbench" / "predictions.json")),
            FileModifiedEvent(str(base / ".workbench" / "thumbs" / "200" / "ab" / "x.jpg")),
            FileModifiedEvent(str(base / "lists" / "demo-scan.predictions.json")),
            FileModifiedEvent(str(base / "demo.keras")),
        ]
        for event in quiet:
            handler.dispatch(event)
        assert not loop._dirty
        # An atomic save (temp file renamed over the list) is an edit.
        handler.dispatch(FileMovedEvent(str(base / "lists" / ".wb-tmp-x"), str(base / "lists" / "demo-scan")))
        assert loop._dirty
    finally:
        loop.stop()


def test_a_burst_of_edits_gives_one_job_and_new_predictions(project, loop) -> None:
    cfg = load_config(project.config)
    assert loop.status.jobs_started == 0  # the copied predictions are fresh: no job at start
    before = read_predictions(cfg.state_dir).created
    scan = cfg.base_dir / "lists" / "demo-scan"
    items = read_list(scan).items
    for n in range(20):  # as a person saving in an editor, quickly
        if n % 2:
            write_list(scan, items[: len(items) - n])
        else:
            with open(scan, "w") as fh:
                fh.write("\n".join(items[: len(items) - n]) + "\n")
    wait_until(lambda: loop.status.jobs_started == 1, timeout=20)
    wait_until(lambda: loop.status.state == "idle", timeout=120)
    assert loop.status.jobs_started == 1
    store = read_predictions(cfg.state_dir)
    assert store.created > before and loop.status.published >= store_path(cfg.state_dir).stat().st_mtime - 1
    assert "demo/" in next(iter(store.items))


def test_a_failing_job_keeps_the_old_predictions_and_the_loop_alive(project, loop) -> None:
    cfg = load_config(project.config)
    store = store_path(cfg.state_dir)
    old = store.read_bytes()
    for label in cfg.labels[1:]:  # only one label left: the analysis must refuse
        write_list(label.lists[0], [])
    wait_until(lambda: loop.status.state == "failed", timeout=120)
    assert loop.status.detail == "ValueError: analysis needs images of at least two labels"
    assert store.read_bytes() == old
    assert Path(loop.status.log_path).exists()
    loop.request("fast")  # the loop still takes work
    wait_until(lambda: loop.status.jobs_started == 2, timeout=20)


def test_cancel_stops_a_full_retrain_and_keeps_no_half_model(project, loop) -> None:
    cfg = load_config(project.config)
    loop.request("full")
    wait_until(lambda: loop.status.state in ("training", "analyzing"), timeout=20)
    loop.cancel()
    wait_until(lambda: loop.status.state == "idle", timeout=30)
    assert "cancelled" in loop.status.detail
    assert not cfg.model_file.exists()
    assert not [p for p in cfg.base_dir.iterdir() if p.name.startswith(".tmp-")]


def test_one_loop_per_server_even_after_a_dev_reload(tmp_path: Path) -> None:
    import importlib

    import workbench.loop as loop_module
    from workbench.demo import make_demo

    demo = make_demo(tmp_path / "p", per_label=10)
    first = loop_module.get_loop(demo.config, start=False)
    reloaded = importlib.reload(loop_module)  # what `panel serve --dev` does to changed modules
    try:
        assert reloaded.get_loop(demo.config, start=False) is first
    finally:
        reloaded.stop_all()

"""The retraining loop seen from a real browser session: confidences refresh without a reload."""

import shutil
from pathlib import Path

import pytest

from labeling.config import load_config
from labeling.lists import read_list
from labeling.predictions import read_predictions
from tests.conftest import copy_project
from tests.ui.conftest import panel_serve
from workbench.loop import ENV_AUTO

pytestmark = pytest.mark.slow


def test_an_outside_edit_is_learned_and_shown_in_place(page, analyzed_demo, tmp_path: Path) -> None:
    demo = copy_project(analyzed_demo, tmp_path / "copy")
    cfg = load_config(demo.config)
    inbox = cfg.base_dir / "lists" / "demo-unsorted"
    items = read_list(inbox).items
    with panel_serve(demo.config, env={ENV_AUTO: "1"}) as url:
        page.goto(url)
        page.locator(".wb-loop-state[data-state='idle']").wait_for()
        published = page.locator(".wb-published").get_attribute("data-published")
        page.locator(".bk-tab", has_text="Quick label").click()
        page.locator("select").first.select_option("lists/demo-unsorted")
        page.locator(f".wb-tile[data-index='0'][data-key='{items[0]}']").wait_for()
        page.locator(f".wb-tile[data-key='{items[2]}']").click()  # the person's selection
        page.locator(".wb-tile.marked").wait_for()
        page.evaluate("window.__no_reload = 1")

        # A text editor adds a new picture at the top of the inbox.
        new = "demo/new-arrival.jpg"
        shutil.copyfile(cfg.image_root / next(p for p, k in demo.truth.items() if k == "picture"),
                        cfg.image_root / new)  # fmt: skip
        with open(inbox, "w") as fh:
            fh.write("\n".join([new, *items]) + "\n")

        page.locator(".wb-loop-state[data-state='training'], .wb-loop-state[data-state='analyzing']").wait_for(timeout=30_000)
        page.locator(f".wb-published:not([data-published='{published}'])").wait_for(timeout=120_000)
        tile = page.locator(f".wb-tile[data-index='0'][data-key='{new}']")
        tile.wait_for()
        pred = read_predictions(cfg.state_dir).items[new]
        assert tile.locator("figcaption").inner_text() == f"{pred.predicted} {pred.confidence:.2f}"
        assert pred.predicted == "picture"
        assert page.evaluate("window.__no_reload") == 1  # same page, not reloaded
        assert page.locator(f".wb-tile.marked[data-key='{items[2]}']").count() == 1  # selection kept
        page.screenshot(path=str(tmp_path / "loop-refreshed.png"))  # for a person to look at

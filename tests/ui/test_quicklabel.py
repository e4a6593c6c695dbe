"""Quick-label in real Chromium: number keys, selection, undo; the files on disk are the truth."""

from pathlib import Path

from labeling.lists import read_list
from tests.conftest import wait_until
from tests.ui.conftest import panel_serve
from workbench.demo import DemoProject


def items(path: Path) -> list[str]:
    return read_list(path).items


def test_label_four_with_keys_then_undo_one(page, demo: DemoProject, tmp_path: Path) -> None:
    lists = demo.config.parent / "lists"
    inbox = lists / "demo-unsorted"
    blank, addr = lists / "demo-unsorted.blank", lists / "demo-unsorted.with_address"
    b = items(inbox)
    with panel_serve(demo.config) as url:
        page.goto(url)
        page.locator(".bk-tab", has_text="Quick label").click()
        page.locator(".wb-tile").first.wait_for()
        page.locator("select").first.select_option("lists/demo-unsorted")
        first = page.locator(".wb-tile[data-index='0']")
        first.and_(page.locator(f"[data-key='{b[0]}']")).wait_for()

        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("1")  # the tile under the cursor → blank
        wait_until(lambda: items(blank) == [b[0]])
        first.and_(page.locator(f"[data-key='{b[1]}']")).wait_for()
        page.keyboard.press("2")  # → with_address
        wait_until(lambda: items(addr) == [b[1]])
        first.and_(page.locator(f"[data-key='{b[2]}']")).wait_for()

        page.locator(".wb-tile").nth(0).click()
        page.locator(".wb-tile").nth(1).click()
        page.locator(".wb-tile.marked").nth(1).wait_for()
        page.screenshot(path=str(tmp_path / "quicklabel.png"))  # for a person to look at
        page.keyboard.press("1")  # both selected → blank
        wait_until(lambda: items(inbox) == b[4:])
        assert items(blank) == [b[0], b[2], b[3]]
        assert items(addr) == [b[1]]
        page.locator("[data-count='done']", has_text="4").wait_for()
        page.locator("[data-count='blank']", has_text="3").wait_for()

        page.keyboard.press("u")  # undo the last action: b2 and b3 go back, in place
        wait_until(lambda: items(inbox) == b[2:] and items(blank) == [b[0]])
        assert items(addr) == [b[1]]
        page.locator("[data-count='done']", has_text="2").wait_for()
        first.and_(page.locator(f"[data-key='{b[2]}']")).wait_for()
        assert not page.js_errors


def test_predictions_show_on_tiles_and_enter_confirms(page, analyzed_demo: DemoProject, tmp_path: Path) -> None:
    from labeling.config import load_config
    from labeling.predictions import read_predictions
    from tests.conftest import copy_project

    demo = copy_project(analyzed_demo, tmp_path / "copy")
    store = read_predictions(load_config(demo.config).state_dir)
    lists = demo.config.parent / "lists"
    with panel_serve(demo.config) as url:
        page.goto(url)
        page.locator(".bk-tab", has_text="Quick label").click()
        page.locator(".wb-tile").first.wait_for()
        page.locator("select").first.select_option("lists/demo-unsorted")
        selects = page.locator("select")
        selects.nth(selects.count() - 1).select_option("most confident first")
        top = max((store.items[i] for i in items(lists / "demo-unsorted")), key=lambda p: p.confidence)
        tile = page.locator(f".wb-tile[data-index='0'][data-key='{top.path}']")
        tile.wait_for()
        assert tile.locator("figcaption").inner_text() == f"{top.predicted} {top.confidence:.2f}"
        page.screenshot(path=str(tmp_path / "quicklabel-predictions.png"))  # for a person to look at
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("Enter")
        wait_until(
            lambda: top.path in items(lists / f"demo-unsorted.{top.predicted}")
            and top.path not in items(lists / "demo-unsorted")
        )

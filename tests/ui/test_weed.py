"""Weed-out in real Chromium: marks, commit, undo, keyboard, two tabs on one list."""

from collections import Counter
from pathlib import Path

from labeling.lists import read_list
from tests.conftest import wait_until
from tests.ui.conftest import panel_serve
from workbench.demo import DemoProject


def items(path: Path) -> list[str]:
    return read_list(path).items


def open_weed(page, url: str, list_name: str) -> None:
    page.goto(url)
    page.locator(".bk-tab", has_text="Weed out").click()
    page.locator(".wb-tile").first.wait_for()
    page.locator("select").first.select_option(list_name)


def wait_for_page(page, first_key: str) -> None:
    page.locator(f".wb-tile[data-index='0'][data-key='{first_key}']").wait_for()


def test_click_three_commit_then_undo(page, demo: DemoProject, tmp_path: Path) -> None:
    lst = demo.config.parent / "lists" / "demo-scan"
    ok, err = lst.with_name("demo-scan.ok"), lst.with_name("demo-scan.err")
    before = items(lst)
    with panel_serve(demo.config) as url:
        open_weed(page, url, "lists/demo-scan")
        wait_for_page(page, before[0])
        tiles = page.locator(".wb-tile")
        assert tiles.count() == 35
        for i in (0, 2, 5):
            tiles.nth(i).click()
        page.locator(".wb-tile.marked").nth(2).wait_for()
        page.screenshot(path=str(tmp_path / "weed-marked.png"))  # for a person to look at
        page.get_by_role("button", name="Commit page (Enter)").click()

        wait_until(lambda: items(lst) == before[35:])  # the source is written last
        assert items(err) == [before[0], before[2], before[5]]
        assert items(ok) == [x for i, x in enumerate(before[:35]) if i not in (0, 2, 5)]
        page.locator("[data-count='remaining']", has_text=str(len(before) - 35)).wait_for()
        page.locator("[data-count='err']", has_text="3").wait_for()
        wait_for_page(page, before[35])

        page.get_by_role("button", name="Undo (u)").click()
        # The undo writes LIST first, then the .ok and .err lists: wait for all three.
        wait_until(lambda: items(lst) == before and items(ok) == [] and items(err) == [])
        wait_for_page(page, before[0])
        assert not page.js_errors


def test_keyboard_marks_commits_and_undoes(page, demo: DemoProject) -> None:
    lst = demo.config.parent / "lists" / "demo-scan"
    before = items(lst)
    with panel_serve(demo.config) as url:
        open_weed(page, url, "lists/demo-scan")
        wait_for_page(page, before[0])
        page.locator("body").click(position={"x": 5, "y": 5})  # focus the page, not a widget
        page.keyboard.press("x")  # mark tile 0
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Space")  # mark tile 2
        page.locator(".wb-tile.marked").nth(1).wait_for()
        page.keyboard.press("ArrowLeft")
        page.locator(".wb-tile.cursor[data-index='1']").wait_for()
        page.keyboard.press("Enter")
        wait_until(lambda: items(lst) == before[35:])
        assert items(lst.with_name("demo-scan.err")) == [before[0], before[2]]
        wait_for_page(page, before[35])
        page.keyboard.press("u")
        wait_until(lambda: items(lst) == before)


def test_two_tabs_on_one_list_never_lose_or_duplicate(browser, demo: DemoProject) -> None:
    lst = demo.config.parent / "lists" / "demo-scan"
    before = items(lst)
    a, b = browser.new_page(), browser.new_page()
    try:
        with panel_serve(demo.config) as url:
            for tab in (a, b):
                open_weed(tab, url, "lists/demo-scan")
                wait_for_page(tab, before[0])
            a.locator(".wb-tile").nth(1).click()
            a.locator(".wb-tile.marked").wait_for()
            b.locator(".wb-tile").nth(3).click()
            b.locator(".wb-tile.marked").wait_for()
            a.get_by_role("button", name="Commit page (Enter)").click()
            wait_until(lambda: items(lst) == before[35:])
            b.get_by_role("button", name="Commit page (Enter)").click()  # its page is stale now
            b.locator(".wb-message", has_text="already taken off the list by another session").wait_for()
            wait_for_page(b, before[35])
            everything = Counter(items(lst) + items(lst.with_name("demo-scan.ok")) + items(lst.with_name("demo-scan.err")))
            assert set(everything) == set(before) and max(everything.values()) == 1
            assert items(lst.with_name("demo-scan.err")) == [before[1]]
    finally:
        a.close()
        b.close()

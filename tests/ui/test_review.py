"""Review screens in real Chromium on the demo's deliberately wrong labels, after a real analysis."""

from pathlib import Path

from labeling.config import load_config
from labeling.lists import read_list
from tests.conftest import copy_project, wait_until
from tests.ui.conftest import panel_serve


def items(path: Path) -> list[str]:
    return read_list(path).items


def test_wrong_labels_top_the_confusing_queue_and_a_key_relabels(page, analyzed_demo, tmp_path: Path) -> None:
    demo = copy_project(analyzed_demo, tmp_path / "copy")
    cfg = load_config(demo.config)
    with panel_serve(demo.config) as url:
        page.goto(url)
        page.locator(".bk-tab", has_text="Review").click()
        page.locator(".wb-tile").first.wait_for()
        first_page = [page.locator(".wb-tile").nth(i).get_attribute("data-key") for i in range(page.locator(".wb-tile").count())]
        assert set(demo.wrong) <= set(first_page)
        assert set(first_page[: len(demo.wrong)]) == set(demo.wrong)  # the wrong ones come first
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)  # for a person to look at

        victim = first_page[0]
        truth = demo.truth[victim]
        wrong_list = next(l.lists[0] for l in cfg.labels if victim in items(l.lists[0]))
        right_list = next(l.lists[0] for l in cfg.labels if l.name == truth)
        n = cfg.label_names.index(truth) + 1
        page.locator(f".wb-tile[data-key='{victim}']").click()  # select it
        page.locator(".wb-tile.marked").wait_for()
        page.keyboard.press(str(n))
        wait_until(lambda: victim in items(right_list) and victim not in items(wrong_list))
        page.locator(f".wb-tile[data-key='{victim}']").wait_for(state="detached")
        page.locator(".wb-page-text", has_text=f"confusing: {len(demo.wrong) - 1} images").wait_for()

        # k keeps a label: the tile leaves the queue, u brings it back.
        keeper = page.locator(".wb-tile").first.get_attribute("data-key")
        page.locator(".wb-tile").first.click()
        page.keyboard.press("k")
        page.locator(f".wb-tile[data-key='{keeper}']").wait_for(state="detached")
        page.keyboard.press("u")
        page.locator(f".wb-tile[data-key='{keeper}']").wait_for()
        assert not page.js_errors


def select_in_plot(page, column: str, indices: list[int]) -> None:
    """What a tap or box-select does in a Bokeh plot: set the selection of the source holding ``column``."""
    page.evaluate(
        """([column, indices]) => {
            const doc = Bokeh.documents[0];
            const src = Array.from(doc.all_models).find(m => m.data && column in m.data);
            src.selected.indices = indices;
        }""",
        [column, indices],
    )


def test_plot_selections_filter_the_grid(page, analyzed_demo, tmp_path: Path) -> None:
    from labeling.predictions import read_predictions

    demo = copy_project(analyzed_demo, tmp_path / "copy")
    cfg = load_config(demo.config)
    store = read_predictions(cfg.state_dir)
    names = cfg.label_names
    with panel_serve(demo.config) as url:
        page.goto(url)
        page.locator(".bk-tab", has_text="Review").click()
        page.locator(".wb-tile").first.wait_for()
        # Tap the confusion cell (given blank, predicted picture).
        cell = names.index("blank") * len(names) + names.index("picture")
        select_in_plot(page, "count", [cell])
        expected = {p.path for p in store.items.values() if p.given == "blank" and p.predicted == "picture"}
        page.locator(".wb-page-text", has_text="filtered: given blank, predicted picture").wait_for()
        shown = {page.locator(".wb-tile").nth(i).get_attribute("data-key") for i in range(page.locator(".wb-tile").count())}
        assert shown == expected and expected
        page.get_by_role("button", name="Clear filter").click()
        page.locator(".wb-page-text", has_text=f"confusing: {len(demo.wrong)} images · page").wait_for()

        # Box-select the scatter points of the wrong labels: the grid shows just those.
        scatter_paths = page.evaluate(
            "() => Array.from(Bokeh.documents[0].all_models).find(m => m.data && 'outcome' in m.data).data.path"
        )
        picked = [i for i, p in enumerate(scatter_paths) if p in set(demo.wrong[:2])]
        select_in_plot(page, "outcome", picked)
        page.locator(".wb-page-text", has_text="2 points chosen in the plot").wait_for()
        assert page.locator(".wb-tile").count() == 2

        page.get_by_text("inconclusive", exact=True).click()
        page.get_by_role("button", name="Clear filter").click()
        unsure = [p for p in store.items.values() if p.confidence < cfg.threshold]
        page.locator(".wb-page-text", has_text=f"inconclusive: {len(unsure)} images").wait_for()

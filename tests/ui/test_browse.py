"""The list viewer and the thumbnail route, against a real server."""

import os
import urllib.error
import urllib.request

import pytest

from labeling.lists import read_list, write_list
from tests.conftest import wait_until
from tests.ui.conftest import panel_serve
from workbench.demo import DemoProject


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture
def hostile(demo: DemoProject) -> DemoProject:
    """The demo plus a secret outside the image root, a symlink to it and a broken image."""
    base = demo.config.parent
    (base / "secret.jpg").write_bytes((base / "imgroot" / next(iter(demo.truth))).read_bytes())
    os.symlink(base / "secret.jpg", base / "imgroot" / "demo" / "link-out.jpg")
    (base / "imgroot" / "demo" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return demo


def test_thumbnail_route_serves_images_and_refuses_everything_else(hostile: DemoProject) -> None:
    good = next(iter(hostile.truth))
    with panel_serve(hostile.config) as url:
        status, headers, body = get(f"{url}/thumb/200/{good}")
        assert status == 200 and headers["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"
        for path in ("%2e%2e/secret.jpg", "demo/..%2f..%2fsecret.jpg", "%2Fetc%2Fpasswd", "demo/link-out.jpg"):
            status, _, body = get(f"{url}/thumb/200/{path}")
            assert status == 403, path
            assert b"Traceback" not in body
        assert get(f"{url}/thumb/200/demo/none.jpg")[0] == 404
        assert get(f"{url}/thumb/12345/{good}")[0] == 404
        status, headers, body = get(f"{url}/thumb/200/demo/broken.jpg")
        assert status == 200 and body.startswith(b"\x89PNG")
        assert headers["X-Workbench-Error"] == "broken image: truncated image file"


def test_pages_of_a_list_and_a_broken_tile(page, hostile: DemoProject) -> None:
    base = hostile.config.parent
    unsorted = base / "lists" / "demo-unsorted"
    items = read_list(unsorted).items
    write_list(unsorted, ["demo/broken.jpg", *items])  # 61 items: 2 pages of 35
    with panel_serve(hostile.config) as url:
        page.goto(url)
        page.locator(".bk-tab", has_text="View list").click()
        page.locator(".wb-tile").first.wait_for()
        page.locator("select").first.select_option("lists/demo-unsorted")
        page.locator(".wb-tile[data-key='demo/broken.jpg']").wait_for()
        page.locator(".wb-page-text", has_text="Page 1 of 2 · 61 images").wait_for()
        broken = page.locator(".wb-tile.broken")
        assert broken.count() == 1
        assert broken.locator("figcaption").inner_text() == "broken image: truncated image file"
        # The pictures of the first row (in view; the rest load lazily) came through the route.
        loaded = "imgs => imgs.slice(0, 5).filter(i => i.complete && i.naturalWidth > 100).length"
        wait_until(lambda: page.locator(".wb-tile:not(.broken) img").evaluate_all(loaded) == 5)
        page.get_by_role("button", name="Next ▶").click()
        page.locator(f".wb-tile[data-index='0'][data-key='{items[34]}']").wait_for()
        assert page.locator(".wb-tile").count() == 26
        page.locator(".wb-page-text", has_text="Page 2 of 2 · 61 images").wait_for()
        # Click to enlarge; Escape closes.
        page.locator(".wb-tile").first.click()
        page.locator(".wb-overlay:not([hidden])").wait_for()
        page.keyboard.press("Escape")
        page.locator(".wb-overlay[hidden]").wait_for(state="attached")

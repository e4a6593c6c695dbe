"""The app in real Chromium against a real ``panel serve workbench`` process."""

from pathlib import Path

from labeling.lists import read_list
from tests.ui.conftest import panel_serve
from workbench.demo import DemoProject


def overview_counts(page) -> dict[str, int]:
    rows = page.locator(".wb-lists tbody tr")
    return {
        rows.nth(i).get_attribute("data-list"): int(rows.nth(i).locator(".wb-count").inner_text())
        for i in range(rows.count())
    }


def test_overview_shows_every_list_with_its_count(page, demo: DemoProject, tmp_path: Path) -> None:
    base = demo.config.parent
    with panel_serve(demo.config) as url:
        page.goto(url)
        page.wait_for_selector(".wb-lists tbody tr")
        counts = overview_counts(page)
        expected = {
            f"lists/{p.name}": len(read_list(p).items) for p in (base / "lists").iterdir()
        }
        assert counts == expected
        assert page.locator(".wb-problems").inner_text() == "No problems found in the lists."
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)  # for a person to look at

        # An edit made outside the app (a text editor) shows after "Refresh".
        scan = base / "lists" / "demo-scan"
        scan.write_text("".join(f"{i}\n" for i in read_list(scan).items[:5]))
        page.get_by_role("button", name="Refresh").click()
        page.locator(".wb-lists tr[data-list='lists/demo-scan'] .wb-count", has_text="5").wait_for()
        assert not page.js_errors


def test_bad_config_shows_one_line_not_a_traceback(page, tmp_path: Path) -> None:
    (tmp_path / "imgroot").mkdir()
    bad = tmp_path / "bad.yaml"
    bad.write_text("treshold: 0.9\ntraining_data:\n- a: lists/a\n")
    with panel_serve(bad) as url:
        page.goto(url)
        error = page.locator(".wb-error")
        error.wait_for()
        assert error.inner_text() == f"{bad}: treshold: unknown key; did you mean 'threshold'?"
        assert "Traceback" not in page.content()


def test_config_from_environment_variable(page, demo: DemoProject, tmp_path: Path) -> None:
    with panel_serve(None, cwd=tmp_path, env={"WORKBENCH_CONFIG": str(demo.config)}) as url:
        page.goto(url)
        page.wait_for_selector(".wb-lists tbody tr")
        assert "lists/demo-blank" in overview_counts(page)


def test_workbench_app_command_serves_the_demo_on_localhost(page, demo: DemoProject) -> None:
    """What `scripts/demo` runs: `workbench app demo.yaml`, browsed as http://localhost:PORT."""
    import subprocess
    import sys
    import urllib.request

    from tests.conftest import wait_until
    from tests.ui.conftest import free_port

    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("workbench")), "app", "demo.yaml", "--port", str(port)],
                            cwd=demo.config.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**__import__("os").environ, "WORKBENCH_AUTO_RETRAIN": "0"})  # fmt: skip

    def up() -> bool:
        assert proc.poll() is None, "workbench app exited"
        try:
            return urllib.request.urlopen(f"http://localhost:{port}/workbench", timeout=2).status == 200
        except OSError:
            return False

    try:
        wait_until(up, timeout=60)
        page.goto(f"http://localhost:{port}/workbench")
        page.wait_for_selector(".wb-lists tbody tr")
        assert "lists/demo-scan" in overview_counts(page)
        page.locator(".wb-loop-state").wait_for()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

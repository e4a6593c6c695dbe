"""Browser tests: a real ``panel serve workbench`` process and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import wait_until
from workbench.loop import ENV_AUTO

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in str(item.fspath):
            item.add_marker(pytest.mark.ui)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def panel_serve(config: Path | None, *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``panel serve workbench`` as a user would; yields the app URL once it answers."""
    port = free_port()
    args = [sys.executable, "-m", "panel", "serve", str(REPO / "workbench"), "--port", str(port),
            "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}", "--liveness"]  # fmt: skip
    if config is not None:
        args += ["--args", str(config)]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(args, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, ENV_AUTO: "0", **(env or {})})  # fmt: skip
    url = f"http://127.0.0.1:{port}/workbench"

    def answers() -> bool:
        assert proc.poll() is None, "panel serve exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/liveness", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    try:
        wait_until(answers, timeout=60)
        yield url
    except BaseException:
        log.seek(0)  # shown by pytest with the failure
        print("panel serve log:\n" + log.read().decode(errors="replace")[-5000:], file=sys.stderr)
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the tests with scripts/test, which installs it")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()

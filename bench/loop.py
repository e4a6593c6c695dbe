"""Benchmark: time from a list edit to refreshed confidences on screen.

For the demo project and for ../shared/datasets/houses: a real ``panel serve workbench`` with the
retraining loop, a real Chromium page, one line appended to a list; the clock stops when the page
shows the newly published predictions. Baseline, measured in the same run: running
``workbench analyze`` by hand on the same (warm-cache) project, as one had to before the loop.

Usage: .venv/bin/python bench/loop.py [--size 96]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from labeling.lists import read_list, write_list
from workbench.demo import make_demo

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
WEIGHTS = SHARED / "weights" / "mobilenet_v2_1.0_imagenet_no_top.weights.h5"
HOUSES = SHARED / "datasets" / "houses"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]  # fmt: skip


def houses_project(folder: Path, size: int) -> Path:
    folder.mkdir(parents=True)
    rooms = sorted(p.name for p in HOUSES.iterdir() if p.is_dir())
    for room in rooms:
        write_list(folder / "lists" / room, sorted(f"{room}/{p.name}" for p in (HOUSES / room).glob("*.jpg")))
    (folder / "houses.yaml").write_text(
        f"image_root: {HOUSES}\ntraining_data:\n" + "".join(f"- {r}: lists/{r}\n" for r in rooms)
    )
    return folder / "houses.yaml"


def measure(name: str, config: Path, edit_list: Path, size: int) -> None:
    with open(config, "a") as fh:
        fh.write(f"weights: {WEIGHTS}\nimage_size: {size}\nepochs: 15\nfolds: 3\n")
    workbench = Path(sys.executable).with_name("workbench")
    subprocess.run([str(workbench), "analyze", str(config)], check=True, capture_output=True)  # warm the caches
    t0 = time.perf_counter()
    subprocess.run([str(workbench), "analyze", str(config)], check=True, capture_output=True)
    by_hand = time.perf_counter() - t0

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "panel", "serve", str(REPO / "workbench"), "--port", str(port),
         "--address", "127.0.0.1", "--args", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "WORKBENCH_AUTO_RETRAIN": "1"},
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/workbench"
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url)
            page.locator(".wb-loop-state[data-state='idle']").wait_for(timeout=120_000)
            published = page.locator(".wb-published").get_attribute("data-published")
            items = read_list(edit_list).items
            t0 = time.perf_counter()
            with open(edit_list, "w") as fh:  # a text editor saves the list
                fh.write("\n".join(items[1:] + items[:1]) + "\n")
            page.locator(f".wb-published:not([data-published='{published}'])").wait_for(timeout=600_000)
            loop = time.perf_counter() - t0
            browser.close()
    finally:
        server.terminate()
        server.wait()
    print(f"{name:6s} edit → confidences on screen: {loop:6.1f} s   "
          f"`workbench analyze` by hand: {by_hand:6.1f} s   ratio {loop / by_hand:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=96, help="model image size (default: 96)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = make_demo(Path(tmp) / "demo")
        measure("demo", demo.config, demo.config.parent / "lists" / "demo-scan", args.size)
        config = houses_project(Path(tmp) / "houses", args.size)
        measure("houses", config, config.parent / "lists" / "kitchen", args.size)


if __name__ == "__main__":
    main()

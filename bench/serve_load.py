"""Load test of `workbench serve` (loopback only, bounded): requests/s and p50/p95 latency.

Trains a model on the demo project, starts the real server, then sends multipart image uploads:
first one at a time (the baseline), then from several concurrent clients (batched by the server).
Every loop is bounded in count; nothing leaves 127.0.0.1.

Usage: .venv/bin/python bench/serve_load.py [--requests 300] [--clients 8] [--size 96]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import Request, urlopen

from labeling.config import load_config
from model.train import train
from workbench.demo import make_demo

WEIGHTS = Path(__file__).resolve().parents[2] / "shared" / "weights" / "mobilenet_v2_1.0_imagenet_no_top.weights.h5"


def upload(url: str, content: bytes) -> float:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.jpg\"\r\n\r\n").encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    t0 = time.perf_counter()
    with urlopen(Request(url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}),
                 timeout=60) as resp:  # fmt: skip
        json.loads(resp.read())
    return time.perf_counter() - t0


def run(url: str, images: list[bytes], count: int, clients: int) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(lambda i: upload(url, images[i % len(images)]), range(count)))
    return count / (time.perf_counter() - t0), latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--size", type=int, default=96)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = make_demo(Path(tmp) / "demo", per_label=30)
        with open(demo.config, "a") as fh:
            fh.write(f"weights: {WEIGHTS}\nimage_size: {args.size}\nepochs: 5\n")
        train(load_config(demo.config))
        images = [(demo.config.parent / "imgroot" / p).read_bytes() for p in list(demo.truth)[:50]]
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen([str(Path(sys.executable).with_name("workbench")), "serve", str(demo.config),
                                   "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):  # bounded wait for the server
                try:
                    urlopen(f"{base}/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            run(f"{base}/predict", images, 10, 1)  # warm-up
            seq_rate, seq_lat = run(f"{base}/predict", images, args.requests // 3, 1)
            con_rate, con_lat = run(f"{base}/predict", images, args.requests, args.clients)
            health = json.loads(urlopen(f"{base}/health").read())
        finally:
            server.terminate()
            server.wait()
    print(f"one client:   {seq_rate:7.1f} requests/s   p50 {pct(seq_lat, 50):6.1f} ms   p95 {pct(seq_lat, 95):6.1f} ms")
    print(f"{args.clients} clients:    {con_rate:7.1f} requests/s   p50 {pct(con_lat, 50):6.1f} ms   "
          f"p95 {pct(con_lat, 95):6.1f} ms   ratio {con_rate / seq_rate:.1f}×")  # fmt: skip
    print(f"model calls: {health['model_calls']} for {health['images']} images (batching)")


if __name__ == "__main__":
    main()

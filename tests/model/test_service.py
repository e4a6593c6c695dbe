"""The prediction service, tested against the real running `workbench serve` process."""

import json
import socket
import subprocess
import sys
import threading
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import numpy as np
import pytest

from labeling.config import load_config
from tests.conftest import wait_until
from workbench.demo import DemoProject

pytestmark = pytest.mark.slow
WORKBENCH = Path(sys.executable).with_name("workbench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    try:
        with urlopen(Request(url, data=data, headers=headers or {}), timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except HTTPError as err:
        return err.code, json.loads(err.read())


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.fixture(scope="module")
def server(trained_demo: DemoProject):
    port = free_port()
    proc = subprocess.Popen([str(WORKBENCH), "serve", str(trained_demo.config), "--port", str(port),
                             "--max-upload-mb", "1", "--max-urls", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, proc.stdout.read().decode()
        try:
            return call(f"{base}/health")[0] == 200
        except OSError:
            return False

    wait_until(up, timeout=90)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.fixture(scope="module")
def image_host(trained_demo: DemoProject):
    """A loopback web server for the images, for the `urls` requests."""
    root = trained_demo.config.parent / "imgroot"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(root)))
    httpd.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_info_and_health(server, trained_demo) -> None:
    status, info = call(f"{server}/")
    assert status == 200 and info["labels"] == load_config(trained_demo.config).label_names
    assert call(f"{server}/health")[1]["status"] == "ok"


def test_predict_an_uploaded_image(server, trained_demo) -> None:
    root = trained_demo.config.parent / "imgroot"
    path, truth = next((p, k) for p, k in trained_demo.truth.items() if p not in trained_demo.wrong)
    status, probs = call(f"{server}/predict", *multipart("image", "card.jpg", (root / path).read_bytes()))
    assert status == 200 and abs(sum(probs.values()) - 1) < 1e-3
    assert max(probs, key=probs.get) == truth


def test_urls_in_json_form_and_query(server, trained_demo, image_host) -> None:
    good = [p for p in trained_demo.truth if p not in trained_demo.wrong][:2]
    urls = [f"{image_host}/{good[0]}", f"{image_host}/{good[1]}", f"{image_host}/demo/none.jpg", "file:///etc/passwd"]
    status, out = call(f"{server}/predict", json.dumps({"urls": urls}).encode(), {"Content-Type": "application/json"})
    assert status == 200 and list(out) == urls
    assert "error" not in out[urls[0]], out[urls[0]]
    assert max(out[urls[0]], key=out[urls[0]].get) == trained_demo.truth[good[0]]
    assert out[urls[2]] == {"error": "fetching failed: HTTP 404"}
    assert out[urls[3]] == {"error": "only http and https urls are fetched"}
    form = "&".join(f"urls={u}" for u in urls[:2]).encode()
    status, by_form = call(f"{server}/predict", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and set(by_form) == set(urls[:2])
    status, by_query = call(f"{server}/predict?urls={urls[0]}")
    assert status == 200 and list(by_query) == [urls[0]]


@pytest.mark.parametrize(
    "body, headers, status, words",
    [
        (b"", {}, 400, "nothing to predict"),
        (b"{not json", {"Content-Type": "application/json"}, 400, "does not parse"),
        (json.dumps({"urls": ["http://x/"] * 5}).encode(), {"Content-Type": "application/json"}, 400, "too many urls"),
        (json.dumps({"urls": [3]}).encode(), {"Content-Type": "application/json"}, 400, "list of strings"),
        (json.dumps({"urls": ["http://x/" + "a" * 3000]}).encode(), {"Content-Type": "application/json"}, 400, "longer than"),
    ],
)
def test_bad_requests_get_a_json_4xx(server, body, headers, status, words) -> None:
    got, out = call(f"{server}/predict", body, headers)
    assert got == status and words in out["error"]


def test_bad_uploads_get_a_json_4xx(server) -> None:
    status, out = call(f"{server}/predict", *multipart("image", "notes.txt", b"hello, not an image"))
    assert status == 400 and out == {"error": "not an image (Pillow cannot read it)"}
    status, out = call(f"{server}/predict", *multipart("image", "huge.jpg", b"\xff" * (2 * 1024 * 1024)))
    assert status == 413 and "upload too large" in out["error"]
    status, out = call(f"{server}/nothing")
    assert status == 404 and "error" in out


def test_requests_arriving_together_share_model_calls(server, trained_demo) -> None:
    root = trained_demo.config.parent / "imgroot"
    payloads = [multipart("image", "c.jpg", (root / p).read_bytes()) for p in list(trained_demo.truth)[:24]]
    before = call(f"{server}/health")[1]
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda p: call(f"{server}/predict", *p), payloads))
    assert all(status == 200 for status, _ in results)
    after = call(f"{server}/health")[1]
    images, calls = after["images"] - before["images"], after["model_calls"] - before["model_calls"]
    assert images == 24 and calls < images


def test_export_gives_savedmodel_and_tflite_that_agree(trained_demo, tmp_path) -> None:
    import tensorflow as tf

    from model.export import export
    from model.images import load_images
    from model.predict import load_model

    cfg = load_config(trained_demo.config)
    result = export(cfg, tmp_path / "exported")
    meta = json.loads(result.labels.read_text())
    assert meta["labels"] == cfg.label_names and meta["image_size"] == cfg.image_size
    files = [cfg.image_root / p for p in list(trained_demo.truth)[:3]]
    x = load_images(cfg, files).images.astype("float32")
    expected = load_model(cfg).model.predict(x, verbose=0)
    with warnings.catch_warnings():  # "use ai_edge_litert instead": the file is what matters here
        warnings.simplefilter("ignore", UserWarning)
        interpreter = tf.lite.Interpreter(model_path=str(result.tflite))
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(inp["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    assert np.allclose(interpreter.get_tensor(out["index"]), expected, atol=1e-3)
    saved = tf.saved_model.load(str(result.saved_model))  # keep it alive while serving
    served = saved.serve(tf.constant(x))
    assert np.allclose(np.asarray(served), expected, atol=1e-4)

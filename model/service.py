"""``workbench serve``: an HTTP prediction API on Tornado (already a dependency of Bokeh).

* ``POST /predict`` with a multipart ``image`` file → ``{label: probability}``;
* ``urls`` (a JSON body ``{"urls": [...]}``, a JSON list, form fields or ``?urls=`` query
  parameters) → ``{url: {label: probability}}``, or ``{url: {"error": "..."}}`` per bad URL;
* ``GET /`` → the model, its labels and the limits; ``GET /health`` → ``{"status": "ok"}``.

Requests that arrive together are batched into one model call. Bad input gets a 4xx answer
with a JSON ``{"error": "..."}``, never a 500 with a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.httpserver import HTTPServer
from tornado.httputil import parse_body_arguments
from tornado.web import Application, HTTPError, RequestHandler, stream_request_body

from labeling.config import ProjectConfig

from .images import decode_pil, fit_to_model
from .predict import LoadedModel, load_model

__all__ = ["Limits", "Service", "make_app", "serve"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """What one request may ask."""

    max_upload_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_urls: int = 32
    max_url_length: int = 2048
    url_timeout: float = 10.0
    request_timeout: float = 60.0
    max_batch: int = 64
    batch_wait: float = 0.005  # seconds to wait for more requests to join a batch


class BadInput(ValueError):
    """The client sent something we cannot use; answered with 400 and this message."""


class Service:
    """The model, a batcher that groups concurrent requests, and image preparation."""

    def __init__(self, config: ProjectConfig, loaded: LoadedModel, limits: Limits):
        self.config = config
        self.loaded = loaded
        self.limits = limits
        self._queue: asyncio.Queue[tuple[np.ndarray, asyncio.Future]] | None = None
        self._client: AsyncHTTPClient | None = None
        # A traced call of the model: Keras' predict() costs tens of ms per call in set-up alone.
        from ._tf import tf

        model = loaded.model
        self._call = tf().function(lambda x: model(x, training=False), reduce_retracing=True)
        self.batches = 0  # model calls made (for tests and the load script)
        self.images = 0

    def http_client(self) -> AsyncHTTPClient:
        """The client that fetches ``urls``; refuses bodies over the upload limit."""
        if self._client is None:
            self._client = AsyncHTTPClient(force_instance=True, max_body_size=self.limits.max_upload_bytes)
        return self._client

    def prepare(self, data: bytes) -> np.ndarray:
        """Bytes of an image → the model's input, ``(S, S, 3)`` uint8. Raises :class:`BadInput`."""
        from PIL import Image

        try:
            with Image.open(BytesIO(data)) as probe:
                w, h = probe.size
        except Exception:
            raise BadInput("not an image (Pillow cannot read it)") from None
        if w * h > self.limits.max_pixels:
            raise BadInput(f"image too large: {w}×{h} pixels (limit {self.limits.max_pixels})")
        img, reason = decode_pil(BytesIO(data), self.loaded.image_size, rotate_portrait=self.config.rotate_portrait,
                                 max_aspect_ratio=self.config.max_aspect_ratio)  # fmt: skip
        if reason:
            raise BadInput(reason)
        return np.asarray(fit_to_model(img, self.loaded.image_size, crop=self.config.resize == "crop"))

    async def predict(self, image: np.ndarray) -> dict[str, float]:
        """Probabilities of one prepared image; batched with concurrent requests."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            asyncio.get_running_loop().create_task(self._batcher())
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put((image, future))
        probs = await asyncio.wait_for(future, timeout=self.limits.request_timeout)
        return {label: round(float(p), 6) for label, p in zip(self.loaded.labels, probs)}

    async def _batcher(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            deadline = loop.time() + self.limits.batch_wait
            while len(batch) < self.limits.max_batch:
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), max(0.0, deadline - loop.time())))
                except asyncio.TimeoutError:
                    break
            images = np.stack([img for img, _ in batch]).astype("float32")
            try:
                probs = await loop.run_in_executor(None, lambda: np.asarray(self._call(images)))
            except Exception as exc:  # the model failed: every waiting request hears of it
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            self.batches += 1
            self.images += len(batch)
            for (_, fut), p in zip(batch, probs):
                if not fut.done():
                    fut.set_result(p)


class _Base(RequestHandler):
    def initialize(self, service: Service) -> None:
        self.service = service

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, HTTPError) and exc.log_message:
            message = exc.log_message
        elif status_code >= 500:
            message = "internal error; see the server log"
        else:
            message = self._reason
        self.write_json({"error": message}, status_code)


class InfoHandler(_Base):
    def get(self) -> None:
        svc = self.service
        limits = svc.limits
        self.write_json({
            "model": str(svc.config.model_file.name),
            "labels": svc.loaded.labels,
            "image_size": svc.loaded.image_size,
            "threshold": svc.config.threshold,
            "predict": "POST /predict with a multipart 'image' file, or 'urls' (JSON, form or query)",
            "limits": {"max_upload_bytes": limits.max_upload_bytes, "max_pixels": limits.max_pixels,
                       "max_urls": limits.max_urls, "max_url_length": limits.max_url_length},
        })  # fmt: skip


class HealthHandler(_Base):
    def get(self) -> None:
        svc = self.service
        self.write_json({"status": "ok", "labels": len(svc.loaded.labels), "model_calls": svc.batches,
                         "images": svc.images})  # fmt: skip


@stream_request_body
class PredictHandler(_Base):
    """Streams the body: an upload over the limit is read to its end but not kept, then
    answered with a JSON 413 (closing early would leave the client with a broken pipe)."""

    def prepare(self) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        declared = self.request.headers.get("Content-Length", "")
        self._size_declared = int(declared) if declared.isdigit() else 0

    def _too_large(self) -> bool:
        return max(self._size, self._size_declared) > self.service.limits.max_upload_bytes

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if not self._too_large():
            self._chunks.append(chunk)

    async def get(self) -> None:
        await self.post()

    async def post(self) -> None:
        if self._too_large():
            limit = self.service.limits.max_upload_bytes
            raise HTTPError(413, f"upload too large: {max(self._size, self._size_declared)} bytes (limit {limit})")
        self.request.body = b"".join(self._chunks)
        if self.request.body:
            parse_body_arguments(self.request.headers.get("Content-Type", ""), self.request.body,
                                 self.request.body_arguments, self.request.files, self.request.headers)  # fmt: skip
            for key, values in self.request.body_arguments.items():
                self.request.arguments.setdefault(key, []).extend(values)
        files = self.request.files.get("image", [])
        urls = self._urls()
        if files and urls:
            raise HTTPError(400, "send either an 'image' file or 'urls', not both")
        if files:
            if len(files) > 1:
                raise HTTPError(400, "send one 'image' file per request (or use 'urls')")
            try:
                image = await asyncio.get_running_loop().run_in_executor(None, self.service.prepare, files[0]["body"])
            except BadInput as exc:
                raise HTTPError(400, str(exc)) from None
            self.write_json(await self.service.predict(image))
            return
        if urls:
            results = await asyncio.gather(*(self._one_url(u) for u in urls))
            self.write_json(dict(zip(urls, results)))
            return
        raise HTTPError(400, "nothing to predict: send a multipart 'image' file or 'urls'")

    def _urls(self) -> list[str]:
        urls: list[Any] = []
        ctype = self.request.headers.get("Content-Type", "")
        if ctype.startswith("application/json") and self.request.body:
            try:
                body = json.loads(self.request.body)
            except ValueError:
                raise HTTPError(400, "the JSON body does not parse") from None
            urls = body.get("urls", []) if isinstance(body, dict) else body
            if not isinstance(urls, list):
                raise HTTPError(400, "'urls' must be a list of strings")
        else:
            for raw in self.get_arguments("urls"):
                raw = raw.strip()
                if raw.startswith("["):
                    try:
                        urls.extend(json.loads(raw))
                    except ValueError:
                        raise HTTPError(400, "'urls' looks like JSON but does not parse") from None
                elif raw:
                    urls.append(raw)
        limits = self.service.limits
        if len(urls) > limits.max_urls:
            raise HTTPError(400, f"too many urls: {len(urls)} (limit {limits.max_urls})")
        for u in urls:
            if not isinstance(u, str):
                raise HTTPError(400, "'urls' must be a list of strings")
            if len(u) > limits.max_url_length:
                raise HTTPError(400, f"a url is longer than {limits.max_url_length} characters")
        return list(dict.fromkeys(urls))

    async def _one_url(self, url: str) -> dict[str, Any]:
        limits = self.service.limits
        if urlsplit(url).scheme not in ("http", "https"):
            return {"error": "only http and https urls are fetched"}
        try:
            response = await self.service.http_client().fetch(
                url, request_timeout=limits.url_timeout, connect_timeout=limits.url_timeout,
                follow_redirects=True, max_redirects=3,
            )  # fmt: skip
        except HTTPClientError as exc:
            return {"error": f"fetching failed: HTTP {exc.code}"}
        except Exception as exc:  # noqa: BLE001 - DNS, refused, timeout, too large: the url's fault
            return {"error": f"fetching failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"}
        try:
            image = await asyncio.get_running_loop().run_in_executor(None, self.service.prepare, response.body)
        except BadInput as exc:
            return {"error": str(exc)}
        return await self.service.predict(image)


class NotFoundHandler(_Base):
    def prepare(self) -> None:
        raise HTTPError(404, f"no such endpoint {self.request.path!r}; see GET /")


def make_app(service: Service) -> Application:
    args = {"service": service}
    return Application(
        [(r"/", InfoHandler, args), (r"/health", HealthHandler, args), (r"/predict", PredictHandler, args)],
        default_handler_class=NotFoundHandler,
        default_handler_args=args,
    )


def serve(config: ProjectConfig, *, address: str = "127.0.0.1", port: int | None = None,
          limits: Limits | None = None) -> None:  # fmt: skip
    """Load the model and answer requests until interrupted (blocks)."""
    limits = limits or Limits()
    service = Service(config, load_model(config), limits)

    async def main() -> None:
        # Up to 4× the limit is read and answered with a JSON 413; beyond, tornado closes the connection.
        server = HTTPServer(make_app(service), max_body_size=4 * limits.max_upload_bytes + 64 * 1024,
                            body_timeout=limits.request_timeout)  # fmt: skip
        server.listen(port or config.port, address)
        print(f"serving {config.model_file.name} ({', '.join(service.loaded.labels)}) at "
              f"http://{address}:{port or config.port}/", flush=True)  # fmt: skip
        await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass

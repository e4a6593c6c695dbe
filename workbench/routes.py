"""HTTP routes beside the Panel app: thumbnails, read only from the image root and the cache.

``GET /workbench/thumb/SIZE/PATH`` answers the thumbnail of the image ``PATH`` (relative to the
image root). A path that could leave the image root (``..``, absolute, encoded traversal, a
symlink pointing out) gets 403; a missing file 404; a file that is not a readable image a
placeholder tile saying why (200, header ``X-Workbench-Error``).

The routes are added to the running server by ``workbench/app_hooks.py`` when ``panel serve
workbench`` starts (see :func:`install`); ``panel serve ... --plugins workbench.routes`` works too.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Sequence
from typing import Any

from tornado.web import HTTPError, RequestHandler

from labeling.config import ConfigError
from labeling.paths import UnsafePathError, resolve_image

from .project import NoConfigFound, cached_config, find_config
from .thumbs import SIZES, cached_thumbnail, placeholder

__all__ = ["PREFIX", "ROUTES", "ThumbHandler", "install", "routes"]

log = logging.getLogger(__name__)
#: URL prefix of the routes (the app itself is served at /workbench).
PREFIX = "/workbench"


class ThumbHandler(RequestHandler):
    """Serves cached thumbnails of images under the project's image root."""

    def initialize(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)

    async def get(self, size_text: str, rel: str) -> None:
        size = int(size_text)
        if size not in SIZES:
            raise HTTPError(404, f"thumbnail size must be one of {SIZES}")
        try:
            config = cached_config(find_config(self.argv))
        except (ConfigError, NoConfigFound) as exc:
            raise HTTPError(503, str(exc)) from None
        try:
            src = resolve_image(config.image_root, rel)
        except UnsafePathError as exc:
            raise HTTPError(403, str(exc)) from None
        if not src.is_file():
            raise HTTPError(404, f"no image {rel!r} under the image root")
        thumb = await _run(cached_thumbnail, src, size=size, cache_dir=config.state_dir / "thumbs")
        self.set_header("Cache-Control", "private, max-age=3600")
        if thumb.path is None:
            self.set_header("Content-Type", "image/png")
            self.set_header("X-Workbench-Error", (thumb.error or "").encode("ascii", "replace").decode())
            self.finish(placeholder(thumb.error or "", size))
            return
        self.set_header("Content-Type", "image/jpeg")
        self.finish(thumb.path.read_bytes())

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # One plain line, never a traceback.
        exc = kwargs.get("exc_info", (None, None, None))[1]
        reason = exc.log_message if isinstance(exc, HTTPError) and exc.log_message else self._reason
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {reason}\n")


async def _run(fn, *args, **kwargs):
    from tornado.ioloop import IOLoop

    return await IOLoop.current().run_in_executor(None, lambda: fn(*args, **kwargs))


def routes(argv: Sequence[str]) -> list[tuple[str, type, dict[str, Any]]]:
    """The tornado routes for a server whose app got ``--args argv``."""
    return [(rf"{PREFIX}/thumb/(\d+)/(.+)", ThumbHandler, {"argv": list(argv)})]


#: For ``panel serve workbench --plugins workbench.routes`` (config from the environment).
ROUTES = routes([])

# Guards _installed: the set of ids of tornado applications the routes were added to.
_install_lock = threading.Lock()
_installed: set[int] = set()


def install(argv: Sequence[str]) -> int:
    """Add the routes to every running Bokeh server application in this process.

    ``panel serve`` offers no hook to add routes from an app directory, so the server's
    tornado application (a ``BokehTornado``) is looked up and given the routes with tornado's
    ``add_handlers``. Returns how many applications got them.
    """
    from bokeh.server.tornado import BokehTornado

    added = 0
    with _install_lock:
        for obj in gc.get_objects():
            if isinstance(obj, BokehTornado) and id(obj) not in _installed:
                if any(PREFIX + "/thumb" in str(rule.matcher.regex.pattern)
                       for rule in _rules(obj)):  # fmt: skip
                    continue  # added by --plugins already
                obj.add_handlers(r".*", routes(argv))
                _installed.add(id(obj))
                added += 1
    if not added:
        log.warning("workbench: no running Bokeh server found; thumbnails will not be served")
    return added


def _rules(app: Any) -> list[Any]:
    out = []
    for rule in app.default_router.rules:
        target = getattr(rule, "target", None)
        out.extend(getattr(target, "rules", []))
    return [r for r in out if hasattr(getattr(r, "matcher", None), "regex")]

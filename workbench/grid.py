"""The thumbnail grid every screen reuses: a Panel ``JSComponent``.

The browser gets only one page of tiles (URLs of cached thumbnails, never the images). A
click marks a tile (or, when marking is off, enlarges it); shift-click marks a range. Keys:
arrows or ``h``/``l`` move the cursor, space or ``x`` toggles the mark under it, ``e`` or ``z``
enlarges it, Escape closes the enlarged view; keys named in :attr:`ThumbGrid.actions` are sent
to Python as actions (e.g. Enter → ``commit``). Keys are ignored while the grid is hidden (an
inactive tab) or the user types in a field.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import param
from panel.custom import JSComponent

from labeling.config import ProjectConfig
from labeling.paths import UnsafePathError, resolve_image

from .routes import PREFIX
from .thumbs import cached_thumbnail

__all__ = ["ThumbGrid", "build_tiles"]

# Thumbnails of one page are made in parallel; Pillow releases the GIL while decoding.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="thumbs")


def build_tiles(
    config: ProjectConfig,
    items: list[str],
    *,
    size: int,
    captions: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Tiles for ``items`` (image paths), making missing thumbnails first.

    Returns
    -------
    One dict per item: ``key`` (the path), ``src`` and ``big`` (thumbnail URLs), ``title``
    (file name, for hover), ``caption`` and ``error`` (why there is no picture, or ``""``).
    """
    cache = config.state_dir / "thumbs"

    def one(item: str) -> dict[str, Any]:
        tile = {"key": item, "title": item, "caption": (captions or {}).get(item, Path(item).name), "error": ""}
        try:
            src = resolve_image(config.image_root, item)
        except UnsafePathError as exc:
            return {**tile, "src": "", "big": "", "error": str(exc)}
        thumb = cached_thumbnail(src, size=size, cache_dir=cache)
        url = f"{PREFIX}/thumb/{{size}}/{quote(item)}?v={thumb.version}"
        return {**tile, "src": url.format(size=size), "big": url.format(size=800), "error": thumb.error or ""}

    return list(_POOL.map(one, items))


class ThumbGrid(JSComponent):
    """A page of thumbnail tiles with marks, a keyboard cursor and an enlarged view."""

    tiles = param.List(default=[], doc="The tiles shown, as made by :func:`build_tiles`.")
    marked = param.List(default=[], doc="Keys (image paths) of the marked tiles.")
    cursor = param.Integer(default=0, doc="Index of the tile the keyboard acts on.")
    tile_size = param.Integer(default=160, doc="Tile width in CSS pixels.")
    markable = param.Boolean(default=True, doc="A click toggles the mark (else it enlarges the tile).")
    mark_symbol = param.String(default="✗", doc="Drawn on marked tiles.")
    actions = param.Dict(default={}, doc="Key (as in KeyboardEvent.key) → action name sent to Python.")

    _esm = """
    export function render({ model, el }) {
      const grid = document.createElement("div");
      grid.className = "wb-grid";
      const overlay = document.createElement("div");
      overlay.className = "wb-overlay";
      overlay.hidden = true;
      const big = document.createElement("img");
      const bigCaption = document.createElement("div");
      overlay.append(big, bigCaption);
      overlay.addEventListener("click", () => { overlay.hidden = true; });
      el.append(grid, overlay);
      let anchor = null;

      const visible = () => el.getClientRects().length > 0;
      const tiles = () => Array.from(grid.children);

      function enlarge(i) {
        const t = model.tiles[i];
        if (!t) return;
        big.src = t.big || "";
        big.alt = t.error || t.key;
        bigCaption.textContent = t.key + (t.error ? " — " + t.error : "");
        overlay.hidden = false;
      }
      function toggle(i, range) {
        const t = model.tiles[i];
        if (!t || !model.markable) return;
        let marked = model.marked.slice();
        if (range && anchor !== null) {
          const [a, b] = [Math.min(anchor, i), Math.max(anchor, i)];
          for (let k = a; k <= b; k++) {
            const key = model.tiles[k].key;
            if (!marked.includes(key)) marked.push(key);
          }
        } else if (marked.includes(t.key)) {
          marked = marked.filter((k) => k !== t.key);
        } else {
          marked.push(t.key);
        }
        anchor = i;
        model.marked = marked;
      }
      function decorate() {
        const marked = new Set(model.marked);
        tiles().forEach((node, i) => {
          node.classList.toggle("marked", marked.has(model.tiles[i].key));
          node.classList.toggle("cursor", i === model.cursor);
        });
      }
      function build() {
        grid.replaceChildren();
        grid.style.setProperty("--tile", model.tile_size + "px");
        model.tiles.forEach((t, i) => {
          const fig = document.createElement("figure");
          fig.className = "wb-tile" + (t.error ? " broken" : "");
          fig.dataset.key = t.key;
          fig.dataset.index = i;
          fig.title = t.title + (t.error ? "\\n" + t.error : "");
          const img = document.createElement("img");
          img.loading = "lazy";
          img.alt = t.error || t.key;
          if (t.src) img.src = t.src;
          const cap = document.createElement("figcaption");
          cap.textContent = t.error ? t.error : t.caption;
          const mark = document.createElement("span");
          mark.className = "wb-mark";
          mark.textContent = model.mark_symbol;
          const zoom = document.createElement("button");
          zoom.className = "wb-zoom";
          zoom.title = "Enlarge (e)";
          zoom.textContent = "⤢";
          zoom.addEventListener("click", (ev) => { ev.stopPropagation(); enlarge(i); });
          fig.append(img, mark, zoom, cap);
          fig.addEventListener("click", (ev) => {
            model.cursor = i;
            if (model.markable) toggle(i, ev.shiftKey); else enlarge(i);
          });
          grid.append(fig);
        });
        anchor = null;
        decorate();
      }
      function columns() {
        const nodes = tiles();
        if (nodes.length === 0) return 1;
        const top = nodes[0].offsetTop;
        const n = nodes.findIndex((node) => node.offsetTop !== top);
        return n === -1 ? nodes.length : n;
      }
      function onKey(ev) {
        if (!visible() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
        const target = ev.composedPath()[0];
        if (target && (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable)) return;
        const n = model.tiles.length;
        const move = (d) => { model.cursor = Math.max(0, Math.min(n - 1, model.cursor + d)); };
        const key = ev.key;
        if (key === "Escape" && !overlay.hidden) { overlay.hidden = true; }
        else if (key in model.actions) { model.send_msg({ action: model.actions[key], cursor: model.cursor }); }
        else if (key === "ArrowRight" || key === "l") { move(1); }
        else if (key === "ArrowLeft" || key === "h") { move(-1); }
        else if (key === "ArrowDown") { move(columns()); }
        else if (key === "ArrowUp") { move(-columns()); }
        else if (key === " " || key === "x") { toggle(model.cursor, ev.shiftKey); }
        else if (key === "e" || key === "z") { overlay.hidden ? enlarge(model.cursor) : (overlay.hidden = true); }
        else return;
        ev.preventDefault();
      }
      document.addEventListener("keydown", onKey);
      model.on("remove", () => document.removeEventListener("keydown", onKey));
      model.on("tiles", build);
      model.on(["marked", "cursor"], decorate);
      build();
    }
    """

    _stylesheets = [
        """
        .wb-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(var(--tile), 1fr));
                   gap: 8px; padding: 4px; }
        .wb-tile { position: relative; margin: 0; padding: 4px; border: 3px solid transparent;
                   border-radius: 6px; background: #f4f4f4; cursor: pointer; user-select: none; }
        .wb-tile img { display: block; width: 100%; height: calc(var(--tile) * 0.75); object-fit: contain; }
        .wb-tile figcaption { font-size: 11px; color: #555; white-space: nowrap; overflow: hidden;
                              text-overflow: ellipsis; margin-top: 2px; }
        .wb-tile.broken figcaption { color: #a33; white-space: normal; }
        .wb-tile.cursor { border-color: #3b82f6; }
        .wb-tile.marked { background: #fde2e2; border-color: #dc2626; }
        .wb-tile.marked img { opacity: 0.55; }
        .wb-mark { display: none; position: absolute; top: 2px; left: 6px; font-size: 28px; font-weight: bold;
                   color: #dc2626; text-shadow: 0 0 3px white; }
        .wb-tile.marked .wb-mark { display: block; }
        .wb-zoom { position: absolute; top: 4px; right: 4px; border: none; border-radius: 4px;
                   background: rgba(255,255,255,0.8); cursor: zoom-in; opacity: 0; }
        .wb-tile:hover .wb-zoom { opacity: 1; }
        .wb-overlay { position: fixed; inset: 0; z-index: 1000; background: rgba(0,0,0,0.85);
                      display: flex; flex-direction: column; align-items: center; justify-content: center;
                      cursor: zoom-out; }
        .wb-overlay[hidden] { display: none; }
        .wb-overlay img { max-width: 92vw; max-height: 85vh; object-fit: contain; background: white; }
        .wb-overlay div { color: white; margin-top: 8px; font-size: 14px; }
        """
    ]

    def __init__(self, **params: Any):
        self._action_handlers: list[Callable[[str, int], None]] = []
        super().__init__(**params)

    def keys(self) -> list[str]:
        """The image paths of the tiles shown, in order."""
        return [tile["key"] for tile in self.tiles]

    def chosen(self) -> list[str]:
        """The marked tiles in page order, or the tile under the cursor when none is marked."""
        keys = self.keys()
        marked = set(self.marked)
        chosen = [key for key in keys if key in marked]
        if not chosen and keys:
            chosen = [keys[min(self.cursor, len(keys) - 1)]]
        return chosen

    def select_all(self) -> None:
        """Mark every tile of the page."""
        self.marked = self.keys()

    def on_action(self, handler: Callable[[str, int], None]) -> None:
        """Call ``handler(action, cursor)`` when a key named in :attr:`actions` is pressed."""
        self._action_handlers.append(handler)

    def _handle_msg(self, msg: Any) -> None:
        if not (isinstance(msg, dict) and isinstance(msg.get("action"), str)):
            return
        action, cursor = msg["action"], int(msg.get("cursor", 0))
        for handler in self._action_handlers:
            handler(action, cursor)

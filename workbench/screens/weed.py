"""Weed out: drain a list that is mostly one kind, page by page.

Each page shows the next images of LIST. Clicking a tile marks it as not belonging;
"Commit page" (or Enter / c) appends the marked to ``LIST.err`` and the rest to ``LIST.ok``
and removes the page from LIST, as one undoable action; "Undo" (or u) reverts this session's
last commit. Items another session already took off LIST are skipped, never duplicated.
"""

from __future__ import annotations

from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from labeling.lists import read_list
from labeling.store import Move

from ..grid import ThumbGrid, build_tiles
from ..project import Project
from .common import TILE_THUMB, SessionActions, counters_html, list_options, offer_lists

__all__ = ["WeedOut"]


def sibling(path: Path, suffix: str) -> Path:
    """``LIST.ok`` / ``LIST.err`` beside ``LIST``."""
    return path.with_name(f"{path.name}.{suffix}")


class WeedOut(Viewer):
    """Mark the images that do not belong; commit page by page."""

    list_name = param.Selector(objects=[], doc="The list being weeded (LIST).")
    page_size = param.Integer(default=35, bounds=(1, 500), doc="Images per page.")
    commit = param.Event(doc="Marked → LIST.err, the rest of the page → LIST.ok; drop the page from LIST.")
    undo = param.Event(doc="Undo this session's last commit.")
    reload = param.Event(doc="Read the list from disk again (marks are kept for images still shown).")
    message = param.String(default="", doc="What the last action did, in one line.")

    def __init__(self, project: Project, **params):
        self.project = project
        # Weeding LIST.ok or LIST.err would write LIST.ok.ok: offer the inputs only.
        self._lists = {
            name: path for name, path in list_options(project).items() if not name.endswith((".ok", ".err"))
        }
        self.actions = SessionActions(project.store)
        self.grid = ThumbGrid(
            markable=True,
            actions={"Enter": "commit", "c": "commit", "u": "undo"},
            sizing_mode="stretch_width",
        )
        self.grid.on_action(self._on_key)
        self._counters = pn.pane.HTML(css_classes=["wb-counters"])
        super().__init__(**{"page_size": project.config.page_size, **params})
        offer_lists(self, self._lists)
        self._load()

    @property
    def path(self) -> Path | None:
        return self._lists.get(self.list_name) if self.list_name else None

    def _on_key(self, action: str, cursor: int) -> None:
        if action == "commit":
            self.param.trigger("commit")
        elif action == "undo":
            self.param.trigger("undo")

    @param.depends("list_name", "page_size", "reload", watch=True)
    def _load(self) -> None:
        path = self.path
        items = read_list(path).items if path else []
        page = items[: self.page_size]
        keep = [key for key in self.grid.marked if key in page]
        self.grid.tiles = build_tiles(self.project.config, page, size=TILE_THUMB)
        self.grid.marked = keep
        self.grid.cursor = 0
        counts = {"remaining": len(items), "ok": 0, "err": 0}
        if path:
            counts["ok"] = len(read_list(sibling(path, "ok")).items)
            counts["err"] = len(read_list(sibling(path, "err")).items)
        self._counters.object = counters_html(counts)

    @param.depends("commit", watch=True)
    def _commit(self) -> None:
        path = self.path
        page = self.grid.keys()
        if path is None or not page:
            self.message = "Nothing to commit: the list is empty."
            return
        marked = set(self.grid.marked)
        bad = tuple(i for i in page if i in marked)
        good = tuple(i for i in page if i not in marked)
        action, skipped = self.actions.apply(
            [
                Move(src=path, dst=sibling(path, "err"), items=bad),
                Move(src=path, dst=sibling(path, "ok"), items=good),
            ],
            description=f"weed {self.list_name}: {len(bad)} out, {len(good)} ok",
        )
        if action is None:
            self.message = skipped
            return
        moved_bad = sum(len(m.items) for m in action.moves if m.dst.name.endswith(".err"))
        self.message = (
            f"Committed: {moved_bad} to {path.name}.err, {action.moved_count - moved_bad} to {path.name}.ok."
            + skipped
        )
        self.grid.marked = []
        self._load()

    @param.depends("undo", watch=True)
    def _undo(self) -> None:
        _, self.message = self.actions.undo(self.list_name or "the list")
        self._load()

    def __panel__(self):
        return pn.Column(
            pn.Row(
                pn.widgets.Select.from_param(self.param.list_name, label="List to weed", width=260),
                pn.widgets.IntInput.from_param(self.param.page_size, label="Per page", width=90),
                pn.widgets.Button.from_param(
                    self.param.commit, label="Commit page (Enter)", color="primary", width=170
                ),
                pn.widgets.Button.from_param(self.param.undo, label="Undo (u)", width=90),
                pn.widgets.Button.from_param(self.param.reload, label="Reload", width=80),
            ),
            pn.Row(self._counters, pn.pane.Str(self.param.message, css_classes=["wb-message"])),
            pn.pane.Markdown(
                "Click the images that do **not** belong (shift-click: a range). Keys: arrows move, "
                "space marks, e enlarges, Enter commits, u undoes.",
                css_classes=["wb-help"],
            ),
            self.grid,
            sizing_mode="stretch_width",
        )

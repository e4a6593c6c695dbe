"""View a list as pages of thumbnails; click a tile (or press e) to enlarge it."""

from __future__ import annotations

import math

import panel as pn
import param
from panel.viewable import Viewer

from labeling.lists import read_list

from ..grid import ThumbGrid, build_tiles
from ..project import Project
from .common import TILE_THUMB, list_options

__all__ = ["ListViewer"]


class ListViewer(Viewer):
    """Pages of thumbnails of one list."""

    list_name = param.Selector(objects=[], doc="The list shown.")
    page = param.Integer(default=1, bounds=(1, None), doc="Page shown, from 1.")
    page_size = param.Integer(default=35, bounds=(1, 500), doc="Thumbnails per page.")
    previous = param.Event(doc="Go to the previous page.")
    next = param.Event(doc="Go to the next page.")
    reload = param.Event(doc="Read the list from disk again.")

    def __init__(self, project: Project, **params):
        self.project = project
        self._lists = list_options(project)
        self.grid = ThumbGrid(markable=False, sizing_mode="stretch_width")
        self._info = pn.pane.HTML()
        self._items: list[str] = []
        super().__init__(**{"page_size": project.config.page_size, **params})
        self.param.list_name.objects = list(self._lists)
        if self.list_name is None and self._lists:
            with param.parameterized.discard_events(self):
                self.list_name = next(iter(self._lists))
        self._load()

    @param.depends("list_name", "reload", watch=True)
    def _load(self) -> None:
        self._items = read_list(self._lists[self.list_name]).items if self.list_name else []
        if self.page != 1:
            self.page = 1  # triggers _show
        else:
            self._show()

    @param.depends("previous", watch=True)
    def _previous(self) -> None:
        self.page = max(1, self.page - 1)

    @param.depends("next", watch=True)
    def _next(self) -> None:
        self.page = min(self.pages, self.page + 1)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(len(self._items) / self.page_size))

    @param.depends("page", "page_size", watch=True)
    def _show(self) -> None:
        if self.page > self.pages:
            self.page = self.pages
            return
        start = (self.page - 1) * self.page_size
        items = self._items[start : start + self.page_size]
        self.grid.tiles = build_tiles(self.project.config, items, size=TILE_THUMB)
        self.grid.cursor = 0
        self._info.object = (
            f"<span class='wb-page-text'>Page {self.page} of {self.pages} · {len(self._items)} images</span>"
        )

    def __panel__(self):
        return pn.Column(
            pn.Row(
                pn.widgets.Select.from_param(self.param.list_name, label="List", width=260),
                pn.widgets.IntInput.from_param(self.param.page_size, label="Per page", width=90),
                pn.widgets.Button.from_param(self.param.previous, label="◀ Previous", width=100),
                pn.widgets.Button.from_param(self.param.next, label="Next ▶", width=100),
                pn.widgets.Button.from_param(self.param.reload, label="Reload", width=80),
                self._info,
            ),
            self.grid,
            sizing_mode="stretch_width",
        )

"""View a list as pages of thumbnails; click a tile (or press e) to enlarge it."""

from __future__ import annotations

import panel as pn
import param

from labeling.lists import read_list

from ..grid import ThumbGrid, build_tiles
from ..project import Project
from .common import TILE_THUMB, PagedScreen, list_options, offer_lists

__all__ = ["ListViewer"]


class ListViewer(PagedScreen):
    """Pages of thumbnails of one list."""

    list_name = param.Selector(objects=[], doc="The list shown.")
    reload = param.Event(doc="Read the list from disk again.")

    def __init__(self, project: Project, **params):
        self.project = project
        self._lists = list_options(project)
        self.grid = ThumbGrid(markable=False, sizing_mode="stretch_width")
        self._info = pn.pane.HTML()
        self._items: list[str] = []
        super().__init__(**{"page_size": project.config.page_size, **params})
        offer_lists(self, self._lists)
        self._load()

    @param.depends("list_name", "reload", watch=True)
    def _load(self) -> None:
        self._items = read_list(self._lists[self.list_name]).items if self.list_name else []
        if self.page != 1:
            self.page = 1  # triggers _show
        else:
            self._show()

    def _total(self) -> int:
        return len(self._items)

    @param.depends("page", "page_size", watch=True)
    def _show(self) -> None:
        if self.page > self.pages:
            self.page = self.pages
            return
        self.grid.tiles = build_tiles(self.project.config, self._items[self.page_slice()], size=TILE_THUMB)
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

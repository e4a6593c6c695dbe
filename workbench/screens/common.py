"""Pieces the screens share: choosing a list, counters, a session's undo stack."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path

import param
from panel.viewable import Viewer

from labeling.store import Action, ListStore, LockTimeout, Move, NothingToUndo

from ..project import Project

#: Thumbnail size (px, longest side) of grid tiles.
TILE_THUMB = 200


def list_options(project: Project) -> dict[str, Path]:
    """The lists a screen can open, by their path relative to the project folder."""
    return {project.config.relative(path): path for path in project.lists()}


def offer_lists(viewer: param.Parameterized, options: dict[str, Path]) -> None:
    """Make ``options`` the choices of ``viewer.list_name``; pick the first if none is chosen."""
    viewer.param.list_name.objects = list(options)
    if viewer.list_name is None and options:
        with param.parameterized.discard_events(viewer):
            viewer.list_name = next(iter(options))


class PagedScreen(Viewer):
    """A screen that shows rows page by page; subclasses say how many rows with ``_total``."""

    page = param.Integer(default=1, bounds=(1, None), doc="Page shown, from 1.")
    page_size = param.Integer(default=35, bounds=(1, 500), doc="Tiles per page.")
    previous = param.Event(doc="Go to the previous page.")
    next = param.Event(doc="Go to the next page.")

    def _total(self) -> int:
        raise NotImplementedError

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self._total() / self.page_size))

    def page_slice(self) -> slice:
        start = (self.page - 1) * self.page_size
        return slice(start, start + self.page_size)

    @param.depends("previous", watch=True)
    def _previous(self) -> None:
        self.page = max(1, self.page - 1)

    @param.depends("next", watch=True)
    def _next(self) -> None:
        self.page = min(self.pages, self.page + 1)


def counters_html(counts: dict[str, int | str]) -> str:
    """Counters as ``<span data-count=NAME>`` elements (tests and people read the same)."""
    return " · ".join(
        f"{escape(name)}: <b data-count='{escape(name)}'>{value}</b>" for name, value in counts.items()
    )


class SessionActions:
    """One browser session's own actions on the lists; its undo takes them back newest first.

    Errors a person can meet (the lock held too long, nothing left to undo) come back as a
    one-line message instead of an exception.
    """

    def __init__(self, store: ListStore):
        self.store = store
        self._done: list[str] = []  # ids of this session's actions, newest last

    def apply(self, moves: Sequence[Move], *, description: str) -> tuple[Action | None, str]:
        """Apply ``moves``; returns the action (``None`` on error) and a message about skips."""
        try:
            action = self.store.apply(moves, description=description)
        except LockTimeout as exc:
            return None, str(exc)
        if action.moves:
            self._done.append(action.id)
        skipped = (
            f" {len(action.skipped)} were already taken off the list by another session."
            if action.skipped
            else ""
        )
        return action, skipped

    def undo(self, list_name: str) -> tuple[Action | None, str]:
        """Undo this session's newest action; returns the undo (``None`` if none) and a message."""
        if not self._done:
            return None, "Nothing to undo in this session."
        try:
            action = self.store.undo(self._done.pop())
        except (NothingToUndo, LockTimeout) as exc:
            return None, f"Cannot undo: {exc}"
        message = f"Undone: {action.moved_count} images are back in {list_name}."
        if action.skipped:
            message += f" {len(action.skipped)} had moved on and stay where they are."
        return action, message

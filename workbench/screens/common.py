"""Pieces the screens share: choosing a list, counters."""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..project import Project

#: Thumbnail size (px, longest side) of grid tiles.
TILE_THUMB = 200


def list_options(project: Project) -> dict[str, Path]:
    """The lists a screen can open, by their path relative to the project folder."""
    return {project.config.relative(path): path for path in project.lists()}


def counters_html(counts: dict[str, int]) -> str:
    """Counters as ``<span data-count=NAME>`` elements (tests and people read the same)."""
    return " · ".join(
        f"{escape(name)}: <b data-count='{escape(name)}'>{value}</b>" for name, value in counts.items()
    )

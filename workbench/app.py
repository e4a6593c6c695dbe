"""Builds the app for one browser session (``panel serve workbench`` calls :func:`create_app`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

import panel as pn

from labeling.config import ConfigError
from labeling.store import LockTimeout

from .loop import get_loop
from .project import NoConfigFound, Project, find_config, open_project
from .screens.browse import ListViewer
from .screens.overview import Overview
from .screens.quicklabel import QuickLabel
from .screens.review import Review
from .screens.status import StatusBar
from .screens.weed import WeedOut

__all__ = ["create_app", "error_page"]

log = logging.getLogger(__name__)
TITLE = "Image workbench"


def error_page(message: str) -> pn.viewable.Viewable:
    """A page that shows one readable line instead of a traceback."""
    return pn.Column(
        pn.pane.Markdown(f"# {TITLE}"),
        pn.pane.Alert(f"<span class='wb-error'>{escape(message)}</span>", alert_type="danger"),
        sizing_mode="stretch_width",
    )


def create_app(argv: Sequence[str]) -> pn.viewable.Viewable:
    """A fresh app for one session; ``argv`` are the ``--args`` given to ``panel serve``."""
    try:
        project = open_project(find_config(argv))
    except (ConfigError, NoConfigFound, LockTimeout) as exc:
        log.warning("%s", exc)
        return error_page(str(exc))
    try:
        return _screens(project)
    except Exception as exc:  # a bug: the person sees one line, the log gets the traceback
        log.exception("could not build the app")
        return error_page(f"the workbench could not start: {type(exc).__name__}: {exc} (details in the server log)")


def _screens(project: Project) -> pn.viewable.Viewable:
    status = StatusBar(get_loop(project.config.path))
    overview = Overview(project)
    quick = QuickLabel(project)
    review = Review(project)
    # New predictions from the loop (so the lists changed): refresh in place, marks and cursor kept.
    status.param.watch(lambda event: quick.param.trigger("reload"), "published")
    status.param.watch(lambda event: review.param.trigger("reload"), "published")
    status.param.watch(lambda event: overview.param.trigger("refresh"), "published")
    tabs = pn.Tabs(
        ("Overview", overview),
        ("View list", ListViewer(project)),
        ("Weed out", WeedOut(project)),
        ("Quick label", quick),
        ("Review", review),
        dynamic=True,
        sizing_mode="stretch_width",
    )
    return pn.Column(
        pn.pane.Markdown(f"# {TITLE}: {escape(project.config.path.name)}"),
        status,
        tabs,
        sizing_mode="stretch_width",
    )

"""Quick-label: sort an unlabeled list into labels, one image at a time or a grid page at a time.

When ``workbench analyze`` has published predictions, each tile shows the predicted label and
its confidence, the queue can be ordered by them, and Enter (or ``y``) gives the chosen tiles
their predicted label: a person confirms, nothing is written without that key or click.

Keys ``1``..``9`` give the n-th label to the selected tiles (shift-click selects a range, ``a``
selects the whole page) or, with nothing selected, to the tile under the cursor; ``0`` or ``s``
skips it (to the back of this session's queue, nothing is written); ``u`` undoes. Giving label
L to an item appends it to ``LIST.L`` (or, as a per-session choice, to L's first list in the
config) and removes it from LIST, as one locked, atomic, undoable action.
"""

from __future__ import annotations

import time
from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from labeling.lists import read_list
from labeling.predictions import Prediction
from labeling.store import Move

from ..grid import ThumbGrid, build_tiles
from ..project import Project, cached_predictions
from .common import TILE_THUMB, SessionActions, counters_html, list_options, offer_lists

__all__ = ["QuickLabel"]

#: Queue orders: the list's own, or by the model's prediction (most confident first lets a
#: person mostly confirm).
ORDERS = ["list order", "most confident first", "least confident first", "by predicted label"]

#: Where a label goes: beside the input list, or into the label's own list from the config.
BESIDE = "LIST.<label> beside the input list"
CONFIG = "the label's list in the config"


class QuickLabel(Viewer):
    """Assign labels to the images of an input list with number keys."""

    list_name = param.Selector(objects=[], doc="The input list (LIST) being sorted.")
    labels = param.ListSelector(default=[], objects=[], doc="Labels offered, in key order (1, 2, …).")
    destination = param.Selector(objects=[BESIDE, CONFIG], default=BESIDE, doc="Where labeled items go.")
    layout = param.Selector(objects=["grid", "one large"], default="grid", doc="A grid page or one large image.")
    order = param.Selector(
        objects=ORDERS, default=ORDERS[0], doc="Order of the queue; the model's orders need `workbench analyze`."
    )
    page_size = param.Integer(default=35, bounds=(1, 500), doc="Images per grid page.")
    select_all = param.Event(doc="Select every image of the page.")
    skip = param.Event(doc="Skip the image under the cursor (to the back of the queue).")
    undo = param.Event(doc="Undo this session's last labeling.")
    confirm = param.Event(doc="Give the selected images (or the one under the cursor) their predicted label.")
    reload = param.Event(doc="Read the lists from disk again.")
    message = param.String(default="", doc="What the last action did, in one line.")

    def __init__(self, project: Project, **params):
        self.project = project
        cfg = project.config
        label_lists = set(cfg.label_of_list())
        # Inputs: lists that are not a label's own list nor an output of weeding or labeling.
        outputs = tuple(f".{name}" for name in cfg.label_names) + (".ok", ".err")
        self._lists = {
            name: path
            for name, path in list_options(project).items()
            if path not in label_lists and not name.endswith(outputs)
        }
        self.actions = SessionActions(project.store)
        self._skipped: list[str] = []  # this session's skipped items, in skip order
        self._done = 0
        self._started: float | None = None
        self._remaining = 0
        self.grid = ThumbGrid(markable=True, sizing_mode="stretch_width")
        self.grid.on_action(self._on_key)
        self._counters = pn.pane.HTML()
        self._buttons = pn.Row()
        super().__init__(**{"page_size": cfg.page_size, **params})
        offer_lists(self, self._lists)
        self.param.labels.objects = cfg.label_names
        if not self.labels:
            with param.parameterized.discard_events(self):
                self.labels = cfg.label_names
        self._keys()
        self._load()

    @property
    def path(self) -> Path | None:
        return self._lists.get(self.list_name) if self.list_name else None

    def destination_of(self, label: str) -> Path:
        """The list an item given ``label`` goes to, under the current :attr:`destination`."""
        path = self.path
        if self.destination == CONFIG or path is None:
            return next(lab for lab in self.project.config.labels if lab.name == label).lists[0]
        return path.with_name(f"{path.name}.{label}")

    @param.depends("labels", watch=True)
    def _keys(self) -> None:
        actions = {str(n + 1): f"label:{n}" for n in range(min(9, len(self.labels)))}
        actions.update({"0": "skip", "s": "skip", "u": "undo", "a": "select_all", "Enter": "confirm", "y": "confirm"})
        self.grid.actions = actions
        buttons = []
        for n, label in enumerate(self.labels[:9]):
            button = pn.widgets.Button(label=f"{n + 1}: {label}", color="success", width=150)
            button.on_click(lambda event, n=n: self._assign(n))
            buttons.append(button)
        self._buttons.objects = buttons
        self._counts()

    def _on_key(self, action: str, cursor: int) -> None:
        if action.startswith("label:"):
            self._assign(int(action.split(":", 1)[1]))
        elif action in ("skip", "undo", "select_all", "confirm"):
            self.param.trigger(action)

    def _queue(self) -> list[str]:
        items = read_list(self.path).items if self.path else []
        preds = self._predictions()
        if preds and self.order != ORDERS[0]:
            known = [i for i in items if i in preds]
            rest = [i for i in items if i not in preds]
            if self.order == "by predicted label":
                rank = {label: n for n, label in enumerate(self.project.config.label_names)}
                known.sort(key=lambda i: (rank.get(preds[i].predicted, len(rank)), -preds[i].confidence))
            else:
                known.sort(key=lambda i: preds[i].confidence, reverse=self.order == "most confident first")
            items = known + rest
        skipped = set(self._skipped)
        present = set(items)
        return [i for i in items if i not in skipped] + [i for i in self._skipped if i in present]

    def _predictions(self) -> dict[str, Prediction]:
        store = cached_predictions(self.project.config)
        return store.items if store is not None else {}

    @param.depends("list_name", "page_size", "layout", "order", "reload", watch=True)
    def _load(self) -> None:
        queue = self._queue()
        size = 1 if self.layout == "one large" else self.page_size
        page = queue[:size]
        big = self.layout == "one large"
        preds = self._predictions()
        captions = {i: f"{preds[i].predicted} {preds[i].confidence:.2f}" for i in page if i in preds}
        self.grid.tile_size = 640 if big else 160
        self.grid.tiles = build_tiles(self.project.config, page, size=800 if big else TILE_THUMB, captions=captions)
        self.grid.marked = [key for key in self.grid.marked if key in page]
        self.grid.cursor = min(self.grid.cursor, max(0, len(page) - 1))
        self._remaining = len(queue)
        self._counts()

    def _counts(self) -> None:
        rate = ""
        if self._started is not None and self._done:
            minutes = max(time.monotonic() - self._started, 1.0) / 60
            rate = f"{self._done / minutes:.1f}"
        counts: dict[str, int | str] = {"done": self._done, "remaining": self._remaining}
        if rate:
            counts["per minute"] = rate
        for label in self.labels:
            counts[label] = len(read_list(self.destination_of(label)).items)
        self._counters.object = counters_html(counts)

    def _assign(self, n: int) -> None:
        if n < len(self.labels):
            chosen = self.grid.chosen()
            self._label({label: chosen for label in [self.labels[n]] if chosen})

    @param.depends("confirm", watch=True)
    def _confirm(self) -> None:
        preds = self._predictions()
        by_label: dict[str, list[str]] = {}
        unknown = 0
        for item in self.grid.chosen():
            pred = preds.get(item)
            if pred is None or pred.predicted not in self.labels:
                unknown += 1
            else:
                by_label.setdefault(pred.predicted, []).append(item)
        self._label(by_label)
        if unknown:
            self.message += f" {unknown} without a usable prediction were left alone."

    def _label(self, by_label: dict[str, list[str]]) -> None:
        """Move items to their labels' destinations, as one undoable action."""
        path = self.path
        if path is None or not by_label:
            self.message = "Nothing to label."
            return
        moves = [Move(src=path, dst=self.destination_of(label), items=tuple(items)) for label, items in by_label.items()]
        total = sum(len(items) for items in by_label.values())
        names = ", ".join(by_label)
        action, note = self.actions.apply(moves, description=f"label {total} as {names}")
        if action is None:
            self.message = note
            return
        if self._started is None:
            self._started = time.monotonic()
        self._done += action.moved_count
        where = ", ".join(f"{m.dst.name}: {len(m.items)}" for m in action.moves)
        self.message = f"{action.moved_count} labeled ({where}).{note}"
        self.grid.marked = []
        self._load()

    @param.depends("select_all", watch=True)
    def _select_all(self) -> None:
        self.grid.select_all()

    @param.depends("skip", watch=True)
    def _skip(self) -> None:
        chosen = self.grid.chosen()
        if not chosen:
            return
        self._skipped = [key for key in self._skipped if key not in chosen] + chosen
        self.message = f"Skipped {len(chosen)}; they come back after the rest."
        self.grid.marked = []
        self._load()

    @param.depends("undo", watch=True)
    def _undo(self) -> None:
        action, self.message = self.actions.undo(self.list_name or "the list")
        if action is not None:
            self._done = max(0, self._done - action.moved_count)
        self._load()

    @param.depends("destination", watch=True)
    def _destination_changed(self) -> None:
        self._counts()

    def __panel__(self):
        return pn.Column(
            pn.FlexBox(
                pn.widgets.Select.from_param(self.param.list_name, label="Input list", width=240),
                pn.widgets.MultiChoice.from_param(self.param.labels, label="Labels (key order)", width=320),
                pn.widgets.Select.from_param(self.param.destination, label="Labeled items go to", width=260),
                pn.widgets.RadioButtonGroup.from_param(self.param.layout, label="Show"),
                pn.widgets.IntInput.from_param(self.param.page_size, label="Per page", width=90),
                pn.widgets.Select.from_param(self.param.order, label="Order", width=190),
            ),
            pn.FlexBox(
                self._buttons,
                pn.widgets.Button.from_param(self.param.confirm, label="Confirm predicted (Enter)", width=190),
                pn.widgets.Button.from_param(self.param.skip, label="Skip (0/s)", width=90),
                pn.widgets.Button.from_param(self.param.select_all, label="Select all (a)", width=110),
                pn.widgets.Button.from_param(self.param.undo, label="Undo (u)", width=90),
                pn.widgets.Button.from_param(self.param.reload, label="Reload", width=80),
            ),
            pn.Row(self._counters, pn.pane.Str(self.param.message, css_classes=["wb-message"])),
            pn.pane.Markdown(
                "Keys: 1..9 give the n-th label to the selected images (click, shift-click, `a` for all) "
                "or to the one under the cursor; Enter or y confirms the model's predicted label (shown "
                "under each tile after `workbench analyze`); 0 or s skips; u undoes; arrows move; e enlarges.",
                css_classes=["wb-help"],
            ),
            self.grid,
            sizing_mode="stretch_width",
        )

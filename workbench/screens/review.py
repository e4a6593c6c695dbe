"""Review: the inconclusive queue and the confusing (probably mislabeled) queue.

Built on the out-of-fold predictions store and refreshed by the retraining loop. Only one page
of tiles goes to the browser; the queues are filtered and paged on the server. The scatter plot
(x = given label, jittered; y = confidence of the given label; colour = outcome) shows every
labeled image with a thumbnail on hover; tapping or box-selecting points, or tapping a cell of
the confusion matrix, filters the grid.

Actions on the selected tiles (or the one under the cursor): ``1``..``9`` move them to that
label's list, ``k`` keeps the label (hidden until the prediction changes), ``d`` sends them to
``LIST.err``, ``u`` undoes. Every action is written to the lists at once.
"""

from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import quote

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, LinearColorMapper
from bokeh.plotting import figure

from labeling.predictions import Prediction
from labeling.review import ORDERS, Reviewed, confusing_queue, inconclusive_queue, locate, outcome
from labeling.store import Move

from ..grid import ThumbGrid, build_tiles
from ..project import Project, cached_predictions
from ..routes import PREFIX
from .common import TILE_THUMB, PagedScreen, SessionActions

__all__ = ["Review"]

OUTCOME_COLOURS = {"right": "#16a34a", "wrong": "#dc2626", "unsure": "#f59e0b"}


class Review(PagedScreen):
    """Review the model's doubts and disputes, and act on them."""

    queue = param.Selector(objects=["confusing", "inconclusive"], default="confusing", doc="Which queue is shown.")
    order = param.Selector(objects=list(ORDERS), default="confidence", doc="Order of the inconclusive queue.")
    keep = param.Event(doc="Keep the given label of the chosen images (hidden until their prediction changes).")
    discard = param.Event(doc="Send the chosen images to LIST.err.")
    undo = param.Event(doc="Undo this session's last review action.")
    select_all = param.Event(doc="Select every tile of the page.")
    clear_filter = param.Event(doc="Show the whole queue again.")
    reload = param.Event(doc="Read the lists and the predictions again.")
    message = param.String(default="", doc="What the last action did, in one line.")

    def __init__(self, project: Project, **params):
        self.project = project
        cfg = project.config
        self.actions = SessionActions(project.store)
        self._history: list[tuple[str, list[str]]] = []  # ("list", []) or ("keep", paths), newest last
        self._filter: set[str] | None = None  # paths chosen in a plot, or None
        self._filter_text = ""
        self._queue: list[Prediction] = []
        self.grid = ThumbGrid(markable=True, sizing_mode="stretch_width")
        actions = {str(n + 1): f"label:{n}" for n in range(min(9, len(cfg.labels)))}
        actions.update({"k": "keep", "d": "discard", "u": "undo", "a": "select_all"})
        self.grid.actions = actions
        self.grid.on_action(self._on_key)
        self._info = pn.pane.HTML()
        self._scatter_source = ColumnDataSource({k: [] for k in ("x", "y", "path", "given", "predicted", "outcome", "colour", "thumb")})
        self._cells_source = ColumnDataSource({k: [] for k in ("given", "predicted", "count", "text")})
        self._scatter = self._make_scatter()
        self._matrix = self._make_matrix()
        self._metrics = pn.pane.HTML()
        self._label_buttons = []
        for n, label in enumerate(cfg.label_names[:9]):
            button = pn.widgets.Button(label=f"{n + 1}: → {label}", color="success", width=140)
            button.on_click(lambda event, n=n: self._relabel(n))
            self._label_buttons.append(button)
        super().__init__(**{"page_size": cfg.page_size, **params})
        self._refresh()

    # -- plots --------------------------------------------------------------------------------

    def _make_scatter(self):
        names = self.project.config.label_names
        plot = figure(height=300, width=460, title="confidence of the given label (out of fold)",
                      tools="tap,box_select,reset", output_backend="webgl", y_range=(-0.03, 1.03),
                      x_range=(-0.6, len(names) - 0.4))  # fmt: skip
        plot.scatter("x", "y", source=self._scatter_source, color="colour", legend_field="outcome", size=6, alpha=0.7)
        plot.xaxis.ticker = list(range(len(names)))
        plot.xaxis.major_label_overrides = {i: n for i, n in enumerate(names)}
        plot.add_tools(HoverTool(tooltips="""
            <div><img src="@thumb" style="max-width:128px;max-height:96px"><br>
            <b>@path</b><br>@given → @predicted (@y{0.00})</div>"""))
        plot.legend.location = "bottom_right"
        plot.legend.label_text_font_size = "9px"
        self._scatter_source.selected.on_change("indices", self._on_scatter_select)
        return pn.pane.Bokeh(plot)

    def _make_matrix(self):
        names = self.project.config.label_names
        plot = figure(height=320, width=340, title="given (rows) × predicted (columns)", min_border_bottom=20,
                      x_range=names, y_range=list(reversed(names)), tools="tap",
                      x_axis_location="above")  # fmt: skip
        mapper = LinearColorMapper(palette=["#f8fafc", "#dbeafe", "#93c5fd", "#3b82f6", "#1d4ed8"], low=0)
        plot.rect("predicted", "given", 1, 1, source=self._cells_source,
                  fill_color={"field": "count", "transform": mapper}, line_color="white")  # fmt: skip
        plot.text("predicted", "given", text="text", source=self._cells_source, text_align="center",
                  text_baseline="middle", text_font_size="12px")  # fmt: skip
        plot.xaxis.major_label_orientation = 0.6
        plot.grid.visible = False
        self._mapper = mapper
        self._cells_source.selected.on_change("indices", self._on_cell_select)
        return pn.pane.Bokeh(plot)

    # -- data ---------------------------------------------------------------------------------

    def _store(self):
        return cached_predictions(self.project.config)

    def _given_now(self, where: dict[str, list[Path]]) -> dict[str, str]:
        """The label each image has in the lists now (from :func:`locate` over every list)."""
        label_of = self.project.config.label_of_list()
        given = {}
        for item, lists in where.items():
            own = [lst for lst in lists if lst in label_of]
            if own:
                given[item] = label_of[own[0]]
        return given

    @param.depends("queue", "order", "reload", watch=True)
    def _refresh(self) -> None:
        """Rebuild the queue (server side), the plots and the metrics; keep the page if possible."""
        store = self._store()
        cfg = self.project.config
        if store is None:
            self._queue = []
            self._info.object = "<span class='wb-page-text'>No predictions yet: run <code>workbench analyze</code> or wait for the retraining loop.</span>"
            self.grid.tiles = []
            return
        reviewed = Reviewed(cfg.state_dir).load()
        where = locate(self.project.lists())
        given_now = self._given_now(where)
        if self.queue == "confusing":
            queue = confusing_queue(store, reviewed=reviewed)
        else:
            queue = inconclusive_queue(store, threshold=cfg.threshold, order=self.order, reviewed=reviewed)
        # Acted on since the analysis (relabeled, sent away): out of the queue until re-analysed.
        self._queue = [p for p in queue if p.path in where and given_now.get(p.path) == p.given]
        self._update_plots(store, given_now)
        self._show()

    def _filtered(self) -> list[Prediction]:
        if self._filter is None:
            return self._queue
        return [p for p in self._queue if p.path in self._filter]

    def _total(self) -> int:
        return len(self._filtered())

    @param.depends("page", "page_size", watch=True)
    def _show(self) -> None:
        if self.page > self.pages:
            self.page = self.pages
            return
        rows = self._filtered()
        page = rows[self.page_slice()]
        captions = {
            p.path: (f"{p.given} → {p.predicted} {p.confidence:.2f}" if p.given else f"? → {p.predicted} {p.confidence:.2f}")
            for p in page
        }
        keep = set(self.grid.marked)
        self.grid.tiles = build_tiles(self.project.config, [p.path for p in page], size=TILE_THUMB, captions=captions)
        self.grid.marked = [p.path for p in page if p.path in keep]
        self.grid.cursor = min(self.grid.cursor, max(0, len(page) - 1))
        where = f" · filtered: {self._filter_text}" if self._filter is not None else ""
        self._info.object = (
            f"<span class='wb-page-text'>{self.queue}: {len(rows)} images{where} · "
            f"page {self.page} of {self.pages}</span>"
        )

    def _update_plots(self, store, given_now: dict[str, str]) -> None:
        cfg = self.project.config
        names = cfg.label_names
        index = {n: i for i, n in enumerate(names)}
        labeled = [p for p in store.items.values() if p.given is not None and p.given in index]
        rng = random.Random(0)
        outcomes = [outcome(p, threshold=cfg.threshold) for p in labeled]
        scatter = {
            "x": [index[p.given] + rng.uniform(-0.3, 0.3) for p in labeled],
            "y": [p.quality if p.quality is not None else 0.0 for p in labeled],
            "path": [p.path for p in labeled],
            "given": [p.given for p in labeled],
            "predicted": [p.predicted for p in labeled],
            "outcome": outcomes,
            "colour": [OUTCOME_COLOURS[o] for o in outcomes],
            "thumb": [f"{PREFIX}/thumb/128/{quote(p.path)}" for p in labeled],
        }
        k = len(names)
        counts = np.zeros((k, k), dtype=int)
        for p in labeled:
            if p.predicted in index:
                counts[index[p.given], index[p.predicted]] += 1
        cells = [(g, q) for g in range(k) for q in range(k)]
        cells_data = {
            "given": [names[g] for g, _ in cells],
            "predicted": [names[q] for _, q in cells],
            "count": [int(counts[g, q]) for g, q in cells],
            "text": [str(counts[g, q]) for g, q in cells],
        }

        # Raw Bokeh models may only change with the document lock; widget and message callbacks
        # do not always hold it, so the change goes to the document's next tick (which does).
        def apply() -> None:
            self._scatter_source.data = scatter
            self._cells_source.data = cells_data
            self._mapper.high = max(1, int(counts.max()))

        pn.state.execute(apply, schedule=True)
        rows = []
        for i, name in enumerate(names):
            tp, col, row = counts[i, i], counts[:, i].sum(), counts[i].sum()
            prec = f"{tp / col:.3f}" if col else "–"
            rec = f"{tp / row:.3f}" if row else "–"
            rows.append(f"<tr><td>{name}</td><td>{prec}</td><td>{rec}</td><td>{row}</td></tr>")
        acc = np.trace(counts) / max(1, counts.sum())
        self._metrics.object = (
            "<table class='wb-metrics'><tr><th>label</th><th>precision</th><th>recall</th><th>images</th></tr>"
            + "".join(rows) + f"</table><p>out-of-fold accuracy {acc:.3f} on {counts.sum()} labeled images</p>"
        )

    # -- plot selections (Bokeh callbacks run in this session's document) --------------------

    def _on_scatter_select(self, attr, old, new) -> None:
        paths = self._scatter_source.data["path"]
        if new:
            self._filter = {paths[i] for i in new}
            self._filter_text = f"{len(self._filter)} points chosen in the plot"
        else:
            self._filter = None
        self.page = 1
        self._show()

    def _on_cell_select(self, attr, old, new) -> None:
        if not new:
            self._filter = None
        else:
            data = self._cells_source.data
            given, predicted = data["given"][new[0]], data["predicted"][new[0]]
            store = self._store()
            self._filter = {p.path for p in store.items.values() if p.given == given and p.predicted == predicted} if store else set()
            self._filter_text = f"given {given}, predicted {predicted}"
        self.page = 1
        self._show()

    @param.depends("clear_filter", watch=True)
    def _clear(self) -> None:
        self._filter = None

        def unselect() -> None:
            self._scatter_source.selected.indices = []
            self._cells_source.selected.indices = []

        pn.state.execute(unselect, schedule=True)
        self._show()

    # -- actions ------------------------------------------------------------------------------

    def _on_key(self, action: str, cursor: int) -> None:
        if action.startswith("label:"):
            self._relabel(int(action.split(":", 1)[1]))
        elif action in ("keep", "discard", "undo", "select_all"):
            self.param.trigger(action)

    def _chosen(self) -> list[Prediction]:
        by_path = {p.path: p for p in self._queue}
        return [by_path[k] for k in self.grid.chosen() if k in by_path]

    def _apply(self, targets: dict[str, Path | None], description: str) -> None:
        """Move each chosen image from the list holding it (its label's list first) to its
        target (None: LIST.err)."""
        where = locate(self.project.lists())
        label_lists = self.project.config.label_of_list()
        grouped: dict[tuple[Path, Path], list[str]] = {}
        for item, dst in targets.items():
            lists = where.get(item, [])
            src = next((lst for lst in lists if lst in label_lists), lists[0] if lists else None)
            if src is None:
                continue
            dst = dst or src.with_name(f"{src.name}.err")
            if dst != src:
                grouped.setdefault((src, dst), []).append(item)
        if not grouped:
            self.message = "Nothing to do: the images are already there."
            return
        moves = [Move(src=s, dst=d, items=tuple(items)) for (s, d), items in grouped.items()]
        action, note = self.actions.apply(moves, description=description)
        if action is None:
            self.message = note
            return
        self._history.append(("list", []))
        where_to = ", ".join(f"{self.project.config.relative(m.dst)}: {len(m.items)}" for m in action.moves)
        self.message = f"Moved {action.moved_count} ({where_to}).{note}"
        self.grid.marked = []
        self._refresh()

    def _relabel(self, n: int) -> None:
        cfg = self.project.config
        if n >= len(cfg.labels):
            return
        chosen = self._chosen()
        dst = cfg.labels[n].lists[0]
        self._apply({p.path: dst for p in chosen}, f"review: {len(chosen)} → {cfg.labels[n].name}")

    @param.depends("discard", watch=True)
    def _discard(self) -> None:
        chosen = self._chosen()
        self._apply({p.path: None for p in chosen}, f"review: {len(chosen)} → .err")

    @param.depends("keep", watch=True)
    def _keep(self) -> None:
        chosen = self._chosen()
        if not chosen:
            return
        with self.project.store.lock():
            Reviewed(self.project.config.state_dir).keep(chosen)
        self._history.append(("keep", [p.path for p in chosen]))
        self.message = f"Kept {len(chosen)} as labeled; they come back only if their prediction changes."
        self.grid.marked = []
        self._refresh()

    @param.depends("undo", watch=True)
    def _undo(self) -> None:
        if not self._history:
            self.message = "Nothing to undo in this session."
            return
        kind, paths = self._history.pop()
        if kind == "keep":
            with self.project.store.lock():
                Reviewed(self.project.config.state_dir).forget(paths)
            self.message = f"Undone: {len(paths)} back in the queue."
        else:
            _, self.message = self.actions.undo("their lists")
        self._refresh()

    @param.depends("select_all", watch=True)
    def _select_all(self) -> None:
        self.grid.select_all()

    def __panel__(self):
        return pn.Column(
            pn.FlexBox(
                pn.widgets.RadioButtonGroup.from_param(self.param.queue, label="Queue"),
                pn.widgets.Select.from_param(self.param.order, label="Inconclusive order", width=160),
                pn.widgets.IntInput.from_param(self.param.page_size, label="Per page", width=90),
                pn.widgets.Button.from_param(self.param.previous, label="◀ Previous", width=100),
                pn.widgets.Button.from_param(self.param.next, label="Next ▶", width=100),
                pn.widgets.Button.from_param(self.param.clear_filter, label="Clear filter", width=100),
                pn.widgets.Button.from_param(self.param.reload, label="Reload", width=80),
            ),
            pn.FlexBox(
                *self._label_buttons,
                pn.widgets.Button.from_param(self.param.keep, label="Keep label (k)", width=120),
                pn.widgets.Button.from_param(self.param.discard, label="To .err (d)", width=100),
                pn.widgets.Button.from_param(self.param.select_all, label="Select all (a)", width=110),
                pn.widgets.Button.from_param(self.param.undo, label="Undo (u)", width=90),
            ),
            pn.Row(self._info, pn.pane.Str(self.param.message, css_classes=["wb-message"])),
            pn.FlexBox(self._scatter, self._matrix, self._metrics),
            self.grid,
            sizing_mode="stretch_width",
        )

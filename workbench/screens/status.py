"""The retraining status shown on every screen, with its buttons and a live training plot."""

from __future__ import annotations

import time
from functools import partial
from html import escape

import panel as pn
import param
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure
from panel.viewable import Viewer

from ..loop import LoopStatus, RetrainLoop

__all__ = ["StatusBar"]

COLOURS = {"idle": "#15803d", "waiting": "#a16207", "training": "#1d4ed8", "analyzing": "#7c3aed", "failed": "#b91c1c"}


class StatusBar(Viewer):
    """Idle / waiting / training / analyzing / failed, for this session, pushed from the loop."""

    retrain = param.Event(doc="Retrain now (fast: cached embeddings + head, out-of-fold analysis).")
    full_retrain = param.Event(doc="Train and save the model, then analyze.")
    cancel = param.Event(doc="Stop the running job; the last good model stays in use.")
    published = param.Number(default=0.0, doc="Time the predictions in use were published; screens watch it.")

    def __init__(self, loop: RetrainLoop, **params):
        super().__init__(**params)
        self.loop = loop
        self._text = pn.pane.HTML(sizing_mode="stretch_width")
        self._source = ColumnDataSource({"epoch": [], "loss": [], "accuracy": []})
        plot = figure(height=130, width=320, toolbar_location=None, title="training", x_axis_label="epoch")
        plot.line("epoch", "loss", source=self._source, legend_label="loss", color="#b91c1c")
        plot.line("epoch", "accuracy", source=self._source, legend_label="accuracy", color="#1d4ed8")
        plot.legend.location = "right"
        plot.legend.label_text_font_size = "9px"
        self._plot = pn.Column(pn.pane.Bokeh(plot), visible=False)
        self._apply(loop.status)
        self.published = loop.status.published
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            # The loop calls back from its own thread: hand the change to this session's document.
            def push(status: LoopStatus) -> None:
                doc.add_next_tick_callback(partial(self._apply, status))

            unsubscribe = loop.subscribe(push)
            pn.state.on_session_destroyed(lambda context: unsubscribe())

    def _apply(self, status: LoopStatus) -> None:
        colour = COLOURS.get(status.state, "#444")
        when = time.strftime("%H:%M:%S", time.localtime(status.published)) if status.published else "none yet"
        log = f" · log: <code>{escape(status.log_path)}</code>" if status.state == "failed" and status.log_path else ""
        self._text.object = (
            f"<span class='wb-loop-state' data-state='{status.state}' style='color:white;background:{colour};"
            f"padding:2px 8px;border-radius:9px'>{escape(status.state)}</span> "
            f"<span class='wb-loop-detail'>{escape(status.detail)}</span>"
            f" · predictions: <span class='wb-published' data-published='{status.published:.6f}'>{when}</span>{log}"
        )
        if status.epochs:
            epochs, losses, accs = zip(*status.epochs)
            self._source.data = {"epoch": list(epochs), "loss": list(losses), "accuracy": list(accs)}
        self._plot.visible = bool(status.epochs) and status.state in ("training", "analyzing")
        if status.published != self.published:
            self.published = status.published

    @param.depends("retrain", watch=True)
    def _retrain(self) -> None:
        self.loop.request("fast")

    @param.depends("full_retrain", watch=True)
    def _full(self) -> None:
        self.loop.request("full")

    @param.depends("cancel", watch=True)
    def _cancel(self) -> None:
        self.loop.cancel()

    def __panel__(self):
        return pn.Row(
            pn.Column(
                self._text,
                pn.Row(
                    pn.widgets.Button.from_param(self.param.retrain, label="Retrain now", width=110),
                    pn.widgets.Button.from_param(self.param.full_retrain, label="Full retrain", width=110),
                    pn.widgets.Button.from_param(self.param.cancel, label="Cancel", width=80),
                ),
                sizing_mode="stretch_width",
            ),
            self._plot,
            sizing_mode="stretch_width",
            css_classes=["wb-status"],
        )

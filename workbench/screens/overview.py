"""The project overview: labels, their lists with item counts, and problems in the lists."""

from __future__ import annotations

from html import escape

import panel as pn
import param
from panel.viewable import Viewer

from labeling.check import check_project
from labeling.lists import read_list

from ..project import Project

__all__ = ["Overview"]

#: How many problems the overview lists before summarising the rest.
MAX_PROBLEMS = 50


class Overview(Viewer):
    """Labels and list counts of a project, re-read from disk on "Refresh"."""

    refresh = param.Event(doc="Re-read the list files and check them again.")

    def __init__(self, project: Project, **params):
        super().__init__(**params)
        self.project = project
        self._body = pn.pane.HTML(sizing_mode="stretch_width", css_classes=["wb-overview"])
        self._update()

    @param.depends("refresh", watch=True)
    def _update(self) -> None:
        cfg = self.project.config
        label_of = cfg.label_of_list()
        rows = []
        for lst in self.project.lists():
            contents = read_list(lst)
            label = label_of.get(lst, "")
            rows.append(
                f"<tr data-list='{escape(cfg.relative(lst))}'><td>{escape(label)}</td>"
                f"<td>{escape(cfg.relative(lst))}</td><td class='wb-count'>{len(contents.items)}</td></tr>"
            )
        problems = check_project(cfg)
        shown = "".join(f"<li>{escape(p.message)}</li>" for p in problems[:MAX_PROBLEMS])
        more = f"<li>… and {len(problems) - MAX_PROBLEMS} more</li>" if len(problems) > MAX_PROBLEMS else ""
        recovered = "".join(f"<li>{escape(m)}</li>" for m in self.project.recovered)
        self._body.object = (
            f"<p>Config <code>{escape(str(cfg.path))}</code> · labels: "
            f"{escape(', '.join(cfg.label_names))} · image root <code>{escape(cfg.relative(cfg.image_root))}</code>"
            f" · threshold {cfg.threshold:g}</p>"
            "<table class='wb-lists'><thead><tr><th>Label</th><th>List</th><th>Items</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            + (f"<h4>Recovered at start-up</h4><ul>{recovered}</ul>" if recovered else "")
            + (
                f"<h4 class='wb-problems'>{len(problems)} problem(s) in the lists</h4><ul>{shown}{more}</ul>"
                if problems
                else "<p class='wb-problems'>No problems found in the lists.</p>"
            )
        )

    def __panel__(self):
        return pn.Column(
            pn.widgets.Button.from_param(self.param.refresh, label="Refresh", width=100),
            self._body,
            sizing_mode="stretch_width",
        )

"""Entry point of ``panel serve workbench [--args CONFIG]``: one fresh app per browser session."""

import sys

import panel as pn

from workbench.app import TITLE, create_app

pn.extension(notifications=True)
create_app(sys.argv[1:]).servable(title=TITLE)

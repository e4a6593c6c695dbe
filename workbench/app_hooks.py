"""Server hooks of ``panel serve workbench``: run once per server, not per session."""

import sys

# The hooks module is executed with sys.argv = [this file, *--args]; keep them for the routes.
ARGV = sys.argv[1:]


def on_server_loaded(server_context) -> None:
    from workbench.routes import install

    install(ARGV)

"""Server hooks of ``panel serve workbench``: run once per server, not per session."""

import sys

# The hooks module is executed with sys.argv = [this file, *--args]; keep them for the routes.
ARGV = sys.argv[1:]


def on_server_loaded(server_context) -> None:
    from labeling.config import ConfigError
    from workbench.loop import get_loop
    from workbench.project import NoConfigFound, find_config
    from workbench.routes import install

    install(ARGV)
    try:
        get_loop(find_config(ARGV))  # one retraining loop per server, started now
    except (ConfigError, NoConfigFound):
        pass  # the page says what is wrong with the config


def on_server_unloaded(server_context) -> None:
    from workbench.loop import stop_all

    stop_all()

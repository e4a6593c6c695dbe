"""Finding and opening a project: its config, list store and the lists it shows."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labeling.config import ProjectConfig, load_config
from labeling.store import ListStore

__all__ = ["ENV_VAR", "NoConfigFound", "Project", "cached_config", "find_config", "open_project"]

#: Environment variable naming the project config (``--args CONFIG`` wins over it).
ENV_VAR = "WORKBENCH_CONFIG"
#: Config files looked for in the current folder when none is named.
DEFAULT_NAMES = ("workbench.yaml", "demo.yaml")


class NoConfigFound(FileNotFoundError):
    """No config was named and none of the default names exists."""


def find_config(
    argv: Sequence[str], *, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Path:
    """Which config to open: ``argv[0]``, else ``$WORKBENCH_CONFIG``, else a default name.

    Raises
    ------
    NoConfigFound
        With a one-line message saying how to name one.
    """
    env = os.environ if environ is None else environ
    if argv:
        return Path(argv[0])
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR])
    here = Path.cwd() if cwd is None else cwd
    for name in DEFAULT_NAMES:
        if (here / name).is_file():
            return here / name
    raise NoConfigFound(
        f"no project config: pass one with `panel serve workbench --args CONFIG`, set {ENV_VAR}, "
        f"or create the demo with `workbench demo` (looked for {', '.join(DEFAULT_NAMES)} in {here})"
    )


@dataclass
class Project:
    """An open project: its validated config and its list store."""

    config: ProjectConfig
    store: ListStore
    recovered: list[str] = field(default_factory=list)

    def lists(self) -> list[Path]:
        """List files the app offers (see :meth:`labeling.ProjectConfig.all_lists`)."""
        return self.config.all_lists()


def open_project(config_path: Path | str) -> Project:
    """Load and validate the config, and finish moves a crash interrupted.

    Raises
    ------
    labeling.ConfigError
        For a config that cannot be used (one-line message).
    """
    config = load_config(config_path)
    store = ListStore(config.base_dir, state_dir=config.state_dir)
    return Project(config=config, store=store, recovered=store.recover())



# Guards _config_cache: (resolved config path, mtime_ns, size) -> ProjectConfig. Configs are
# immutable, so sharing them between sessions and request handlers is safe.
_config_lock = threading.Lock()
_config_cache: dict[tuple[Path, int, int], ProjectConfig] = {}


def cached_config(config_path: Path | str) -> ProjectConfig:
    """:func:`labeling.load_config`, cached until the file changes (for per-request use)."""
    path = Path(config_path).resolve()
    try:
        st = path.stat()
    except OSError:
        return load_config(path)  # raises the one-line ConfigError
    key = (path, st.st_mtime_ns, st.st_size)
    with _config_lock:
        found = _config_cache.get(key)
    if found is None:
        found = load_config(path)
        with _config_lock:
            _config_cache.clear()
            _config_cache[key] = found
    return found

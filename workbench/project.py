"""Finding and opening a project: its config, list store and the lists it shows."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from labeling.config import ProjectConfig, load_config
from labeling.predictions import PredictionStore, read_predictions, store_path
from labeling.store import ListStore

__all__ = [
    "ENV_VAR",
    "NoConfigFound",
    "Project",
    "cached_config",
    "cached_predictions",
    "find_config",
    "open_project",
]

T = TypeVar("T")

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


# Guards _file_cache: (loader name, resolved path) -> ((mtime_ns, size), value). The values
# (configs, prediction stores) are only read after loading, so sessions can share them.
_cache_lock = threading.Lock()
_file_cache: dict[tuple[str, Path], tuple[tuple[int, int], object]] = {}


def _cached(loader: Callable[[Path], T], path: Path) -> T:
    """``loader(path)``, reused until the file's mtime or size changes."""
    path = Path(path).resolve()
    try:
        st = path.stat()
    except OSError:
        return loader(path)
    stamp = (st.st_mtime_ns, st.st_size)
    key = (loader.__name__, path)
    with _cache_lock:
        hit = _file_cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[return-value]
    value = loader(path)
    with _cache_lock:
        _file_cache[key] = (stamp, value)
    return value


def cached_config(config_path: Path | str) -> ProjectConfig:
    """:func:`labeling.load_config`, cached until the file changes (for per-request use)."""
    return _cached(load_config, Path(config_path))


def _load_store(path: Path) -> PredictionStore | None:
    return read_predictions(path.parent)


def cached_predictions(config: ProjectConfig) -> PredictionStore | None:
    """The published predictions store (``None`` before the first analysis), cached by mtime."""
    return _cached(_load_store, store_path(config.state_dir))

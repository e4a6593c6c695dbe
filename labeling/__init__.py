"""Label lists and project config: plain files, atomic writes, no UI and no TensorFlow."""

from .config import ConfigError, Label, ProjectConfig, load_config
from .lists import ListContents, read_list, write_list
from .paths import UnsafePathError, resolve_image
from .store import Action, ListStore, LockTimeout, Move, NothingToUndo

__all__ = [
    "Action",
    "ConfigError",
    "Label",
    "ListContents",
    "ListStore",
    "LockTimeout",
    "Move",
    "NothingToUndo",
    "ProjectConfig",
    "UnsafePathError",
    "load_config",
    "read_list",
    "resolve_image",
    "write_list",
]

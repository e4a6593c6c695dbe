"""The project config: a YAML file naming the labels, their list files and the options.

The format users already have is kept::

    model_file: with-address-or-blank.h5
    port: 8001
    training_data:        # a list, so the label order is kept
    - blank:
      - lists/misc-blank
      - lists/rj-blank
    - with_address:
      - lists/misc-with_address

Every other key is optional (see :data:`OPTIONS`). Relative paths resolve against the
config file's folder. :func:`load_config` raises :class:`ConfigError` whose message is one
line naming the file and the key at fault.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["BACKBONES", "ConfigError", "Label", "OPTIONS", "ProjectConfig", "load_config"]

#: Backbones the model package knows (``fmracv`` is the small from-scratch CNN).
BACKBONES = (
    "fmracv",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "efficientnet_b0",
)

#: Optional keys with their defaults and meaning (also rendered in the README).
OPTIONS: dict[str, tuple[Any, str]] = {
    "model_file": (None, "where the trained model is saved (default: CONFIG_STEM.keras)"),
    "port": (8001, "port of `workbench serve`, the HTTP prediction API"),
    "image_root": ("imgroot", "folder the image paths in the lists are relative to"),
    "lists_dir": ("lists", "folder holding the label lists shown in the app"),
    "state_dir": (".workbench", "folder for the journal, lock, caches and runs"),
    "threshold": (0.95, "a prediction below this confidence is inconclusive (0 < t <= 1)"),
    "image_size": (224, "side in pixels of the square model input (32..1024)"),
    "backbone": ("mobilenet_v2", "one of: " + ", ".join(BACKBONES)),
    "weights": ("imagenet", "backbone weights: 'imagenet', a path to a weights file, or null"),
    "resize": ("pad", "fit images to the model size: 'pad' keeps the whole image, 'crop' the centre"),
    "group_pattern": (None, "regex; images whose paths give the same match are kept in one split"),
    "rotate_portrait": (False, "rotate portrait images to landscape before the model sees them"),
    "max_aspect_ratio": (None, "skip images whose long/short side ratio exceeds this"),
    "seed": (0, "seed of the train/validation split and of training"),
    "folds": (5, "folds of the out-of-fold analysis (>= 3)"),
    "epochs": (30, "epochs of head training"),
    "batch_size": (32, "training and prediction batch size"),
    "page_size": (35, "thumbnails per page in the app"),
}


class ConfigError(ValueError):
    """A config that cannot be used; the message is one line naming file and key."""


@dataclass(frozen=True)
class Label:
    """One label and its list files (absolute paths)."""

    name: str
    lists: tuple[Path, ...]


@dataclass(frozen=True)
class ProjectConfig:
    """A validated project config. Paths are absolute."""

    path: Path
    labels: tuple[Label, ...]
    model_file: Path
    port: int
    image_root: Path
    lists_dir: Path
    state_dir: Path
    threshold: float
    image_size: int
    backbone: str
    weights: str | None
    resize: str
    group_pattern: str | None
    rotate_portrait: bool
    max_aspect_ratio: float | None
    seed: int
    folds: int
    epochs: int
    batch_size: int
    page_size: int

    @property
    def base_dir(self) -> Path:
        """The folder of the config file; relative paths resolve against it."""
        return self.path.parent

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    def label_of_list(self) -> dict[Path, str]:
        """Map each list file of ``training_data`` to its label."""
        return {lst: label.name for label in self.labels for lst in label.lists}

    def all_lists(self) -> list[Path]:
        """The lists of ``training_data``, then the other files in ``lists_dir``.

        Hidden files (the workbench's temporary files among them) and JSON reports (written by
        ``workbench predict``) are left out.
        """
        found = [lst for label in self.labels for lst in label.lists]
        if self.lists_dir.is_dir():
            for path in sorted(self.lists_dir.rglob("*")):
                rel = path.relative_to(self.lists_dir)
                hidden = any(p.startswith(".") for p in rel.parts)
                if path.is_file() and not hidden and path.suffix != ".json" and path not in found:
                    found.append(path)
        return found

    def relative(self, path: Path) -> str:
        """``path`` relative to the project folder when inside it (for messages and the UI)."""
        try:
            return Path(path).relative_to(self.base_dir).as_posix()
        except ValueError:
            return str(path)


def _fail(file: Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{file}: {key}: {problem}")


def _number(file: Path, key: str, value: Any, *, kind: type, low: float, high: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise _fail(file, key, f"must be {'a number' if kind is float else 'a whole number'}, got {value!r}")
    if not low <= value <= high:
        raise _fail(file, key, f"must be between {low:g} and {high:g}, got {value!r}")
    return kind(value)


def _parse_labels(file: Path, raw: Any, *, check_files: bool) -> tuple[Label, ...]:
    if raw is None:
        raise _fail(file, "training_data", "missing; list each label with its list files")
    if isinstance(raw, dict):
        entries = [{k: v} for k, v in raw.items()]
    elif isinstance(raw, list):
        entries = raw
    else:
        raise _fail(file, "training_data", "must be a list of '- LABEL: [list files]' entries")
    if not entries:
        raise _fail(file, "training_data", "names no labels")
    labels: list[Label] = []
    owner: dict[Path, str] = {}
    for n, entry in enumerate(entries):
        where = f"training_data[{n}]"
        if not isinstance(entry, dict) or len(entry) != 1:
            raise _fail(
                file, where, f"each entry must be one 'LABEL: [list files]' mapping, got {entry!r}"
            )
        (name, lists), = entry.items()
        if not isinstance(name, str):
            raise _fail(file, where, f"label {name!r} is not a string; put it in quotes")
        name = name.strip()
        if not name or "/" in name or "\n" in name:
            raise _fail(file, where, f"label {name!r} must be a non-empty name without '/'")
        where = f"training_data.{name}"
        if any(label.name == name for label in labels):
            raise _fail(file, where, "duplicate label")
        if isinstance(lists, str):
            lists = [lists]
        if not isinstance(lists, list) or not lists or not all(isinstance(x, str) and x for x in lists):
            raise _fail(file, where, f"must be a list file or a list of list files, got {lists!r}")
        paths: list[Path] = []
        for rel in lists:
            path = (file.parent / rel).resolve()
            if path in owner:
                raise _fail(file, where, f"list file {rel} is already used by label {owner[path]!r}")
            if check_files and not path.is_file():
                raise _fail(file, where, f"list file {rel} not found")
            owner[path] = name
            paths.append(path)
        labels.append(Label(name=name, lists=tuple(paths)))
    return tuple(labels)


def parse_config(data: Any, *, path: Path, check_files: bool = True) -> ProjectConfig:
    """Validate an already-parsed YAML document (see :func:`load_config`)."""
    file = Path(path).resolve()
    if data is None:
        raise ConfigError(f"{file}: the file is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a mapping of keys, got {type(data).__name__}")
    known = set(OPTIONS) | {"training_data"}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
            raise _fail(file, str(key), "unknown key" + hint)
    opt = {key: data.get(key, default) for key, (default, _) in OPTIONS.items()}
    base = file.parent

    def folder(key: str) -> Path:
        value = opt[key]
        if not isinstance(value, str) or not value:
            raise _fail(file, key, f"must be a path, got {value!r}")
        return (base / value).resolve()

    image_root = folder("image_root")
    if check_files and not image_root.is_dir():
        raise _fail(file, "image_root", f"folder {opt['image_root']} not found")
    model_file = opt["model_file"] if opt["model_file"] is not None else file.stem + ".keras"
    if not isinstance(model_file, str) or not model_file:
        raise _fail(file, "model_file", f"must be a file name, got {model_file!r}")
    backbone = opt["backbone"]
    if backbone not in BACKBONES:
        raise _fail(file, "backbone", f"unknown backbone {backbone!r}; choose one of {', '.join(BACKBONES)}")
    weights = opt["weights"]
    if weights is not None and not isinstance(weights, str):
        raise _fail(file, "weights", f"must be 'imagenet', a path or null, got {weights!r}")
    if isinstance(weights, str) and weights != "imagenet":
        weights = str((base / weights).resolve())
        if check_files and not Path(weights).is_file():
            raise _fail(file, "weights", f"weights file {opt['weights']} not found")
    if opt["resize"] not in ("pad", "crop"):
        raise _fail(file, "resize", f"must be 'pad' or 'crop', got {opt['resize']!r}")
    pattern = opt["group_pattern"]
    if pattern is not None:
        if not isinstance(pattern, str):
            raise _fail(file, "group_pattern", f"must be a regular expression, got {pattern!r}")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(file, "group_pattern", f"bad regular expression: {exc}") from None
    rotate = opt["rotate_portrait"]
    if not isinstance(rotate, bool):
        raise _fail(file, "rotate_portrait", f"must be true or false, got {rotate!r}")
    max_ar = opt["max_aspect_ratio"]
    if max_ar is not None:
        max_ar = _number(file, "max_aspect_ratio", max_ar, kind=float, low=1.0, high=1000.0)
    threshold = _number(file, "threshold", opt["threshold"], kind=float, low=0.0, high=1.0)
    if threshold == 0.0:
        raise _fail(file, "threshold", "must be above 0")
    return ProjectConfig(
        path=file,
        labels=_parse_labels(file, data.get("training_data"), check_files=check_files),
        model_file=(base / model_file).resolve(),
        port=_number(file, "port", opt["port"], kind=int, low=1, high=65535),
        image_root=image_root,
        lists_dir=folder("lists_dir"),
        state_dir=folder("state_dir"),
        threshold=threshold,
        image_size=_number(file, "image_size", opt["image_size"], kind=int, low=32, high=1024),
        backbone=backbone,
        weights=weights,
        resize=opt["resize"],
        group_pattern=pattern,
        rotate_portrait=rotate,
        max_aspect_ratio=max_ar,
        seed=_number(file, "seed", opt["seed"], kind=int, low=0, high=2**31 - 1),
        folds=_number(file, "folds", opt["folds"], kind=int, low=3, high=50),
        epochs=_number(file, "epochs", opt["epochs"], kind=int, low=1, high=10000),
        batch_size=_number(file, "batch_size", opt["batch_size"], kind=int, low=1, high=8192),
        page_size=_number(file, "page_size", opt["page_size"], kind=int, low=1, high=1000),
    )


def load_config(path: Path | str, *, check_files: bool = True) -> ProjectConfig:
    """Read and validate a project config.

    Parameters
    ----------
    path:
        The YAML file.
    check_files:
        Also require the list files, the image root and a weights file to exist.

    Raises
    ------
    ConfigError
        With a one-line message naming the file and the key, for a file that is missing,
        unreadable, not YAML, or not a valid config.
    """
    file = Path(path).resolve()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the config: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{file}: {where}not valid YAML: {problem}") from None
    return parse_config(data, path=file, check_files=check_files)

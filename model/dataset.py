"""The labeled images of a project, as arrays the model code can use (no TensorFlow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from labeling.config import ProjectConfig
from labeling.lists import read_list
from labeling.paths import UnsafePathError, resolve_image

__all__ = ["LabeledSet", "labeled_set", "resolve_items"]


@dataclass
class LabeledSet:
    """Images with one label each.

    Attributes
    ----------
    items:
        ``N`` image paths relative to the image root.
    files:
        ``N`` absolute paths.
    y:
        ``(N,)`` label index into ``names``.
    names:
        The label names, in config order.
    problems:
        One line per image left out (two labels, unsafe path).
    """

    items: list[str]
    files: list[Path]
    y: np.ndarray
    names: list[str]
    problems: list[str] = field(default_factory=list)


def resolve_items(config: ProjectConfig, items: list[str]) -> tuple[list[str], list[Path], list[str]]:
    """Keep the items with a safe path; returns ``(items, files, problems)``."""
    kept, files, problems = [], [], []
    for item in items:
        try:
            files.append(resolve_image(config.image_root, item))
            kept.append(item)
        except UnsafePathError as exc:
            problems.append(str(exc))
    return kept, files, problems


def labeled_set(config: ProjectConfig) -> LabeledSet:
    """Every image of ``training_data`` with its label; images with two labels are left out."""
    owner: dict[str, int] = {}
    conflicts: set[str] = set()
    for n, label in enumerate(config.labels):
        for lst in label.lists:
            for item in read_list(lst).items:
                if owner.setdefault(item, n) != n:
                    conflicts.add(item)
    problems = [f"{item}: has two labels; left out" for item in sorted(conflicts)]
    ordered = [item for item in owner if item not in conflicts]
    items, files, unsafe = resolve_items(config, ordered)
    y = np.array([owner[i] for i in items], dtype=np.int64)
    return LabeledSet(items=items, files=files, y=y, names=config.label_names, problems=problems + unsafe)

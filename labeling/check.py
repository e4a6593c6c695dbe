"""Consistency checks over a project's lists (pure functions, no UI, no TensorFlow)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .config import ProjectConfig
from .lists import read_list
from .paths import UnsafePathError, resolve_image

__all__ = ["Problem", "check_project"]


@dataclass(frozen=True)
class Problem:
    """One finding: where (a list file), what kind, and a readable one-line message."""

    list_file: Path
    kind: str  # duplicate | unsafe | missing | conflict
    item: str
    message: str


def check_project(config: ProjectConfig, *, extra_lists: Iterable[Path] = ()) -> list[Problem]:
    """Find duplicate lines, unsafe or missing image paths, and images with two labels.

    Parameters
    ----------
    config:
        The project.
    extra_lists:
        More list files to check (e.g. unlabeled inboxes), besides ``training_data``.
    """
    problems: list[Problem] = []
    lists = [lst for label in config.labels for lst in label.lists] + list(extra_lists)
    for lst in dict.fromkeys(lists):
        contents = read_list(lst)
        rel = config.relative(lst)
        for dup in contents.duplicates:
            problems.append(Problem(lst, "duplicate", dup, f"{rel}: {dup} is listed more than once"))
        for item in contents.items:
            try:
                path = resolve_image(config.image_root, item)
            except UnsafePathError as exc:
                problems.append(Problem(lst, "unsafe", item, f"{rel}: {exc}"))
                continue
            if not path.is_file():
                problems.append(Problem(lst, "missing", item, f"{rel}: image {item} not found under the image root"))
    owners: dict[str, list[Path]] = {}
    for label in config.labels:
        for lst in label.lists:
            for item in read_list(lst).items:
                owners.setdefault(item, []).append(lst)
    label_of = config.label_of_list()
    for item, owned in owners.items():
        names = list(dict.fromkeys(label_of[lst] for lst in owned))
        if len(names) > 1:
            where = ", ".join(config.relative(lst) for lst in owned)
            problems.append(
                Problem(owned[0], "conflict", item, f"{item} has labels {', '.join(names)} (in {where})")
            )
    return problems

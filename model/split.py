"""Seeded, group-aware, stratified splits (pure numpy; no TensorFlow).

Items that share a group (the same object photographed several times; the groups come from
the config's ``group_pattern``) always land on the same side of a split, so validation and
out-of-fold scores are not flattered by near-duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["assign_folds", "class_weights", "groups_of", "train_val_split"]


def groups_of(paths: Sequence[str], *, pattern: str | None) -> list[str]:
    """The group of each path: the first match of ``pattern`` (its first group if it has one).

    Without a pattern, or where it does not match, each path is its own group.
    """
    if not pattern:
        return list(paths)
    rx = re.compile(pattern)
    out = []
    for path in paths:
        m = rx.search(path)
        out.append((m.group(1) if m.groups() else m.group(0)) if m else path)
    return out


def assign_folds(labels: np.ndarray, groups: Sequence[str], *, k: int, seed: int) -> np.ndarray:
    """Assign each item to one of ``k`` folds, stratified by label, never splitting a group.

    Parameters
    ----------
    labels:
        ``(N,)`` integer labels.
    groups:
        ``N`` group keys.
    k:
        Number of folds (>= 2).
    seed:
        Seed of the shuffle; the same inputs and seed give the same folds.

    Returns
    -------
    ``(N,)`` fold index in ``0..k-1``.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    members: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    keys = list(members)
    rng.shuffle(keys)
    # Largest groups first, each to the fold that has the fewest of the group's majority label.
    keys.sort(key=lambda g: -len(members[g]))
    n_labels = int(labels.max()) + 1 if labels.size else 0
    counts = np.zeros((k, n_labels), dtype=np.int64)
    folds = np.zeros(len(labels), dtype=np.int64)
    for g in keys:
        idx = members[g]
        majority = int(np.bincount(labels[idx], minlength=n_labels).argmax())
        load = counts[:, majority] * 1_000_000 + counts.sum(axis=1)
        fold = int(np.flatnonzero(load == load.min())[rng.integers(0, int((load == load.min()).sum()))])
        folds[idx] = fold
        np.add.at(counts[fold], labels[idx], 1)
    return folds


def train_val_split(
    labels: np.ndarray, groups: Sequence[str], *, val_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, val)`` of a stratified, group-aware split with about ``val_fraction`` in val."""
    k = max(2, round(1 / val_fraction))
    folds = assign_folds(labels, groups, k=k, seed=seed)
    return np.flatnonzero(folds != 0), np.flatnonzero(folds == 0)


def class_weights(labels: np.ndarray, *, n_classes: int) -> dict[int, float]:
    """Weights that make each present class count as much in the loss (``N / (K * count)``)."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    present = counts > 0
    weights = np.ones(n_classes)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return {i: float(w) for i, w in enumerate(weights)}

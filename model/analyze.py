"""``workbench analyze``: honest, out-of-fold confidences for every labeled image."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from labeling.config import ProjectConfig
from labeling.lists import atomic_write_bytes, read_list
from labeling.predictions import Prediction, PredictionStore, write_predictions

from ._tf import keras
from .analysis import label_quality, rank_label_issues
from .dataset import labeled_set, resolve_items
from .split import assign_folds, groups_of
from .train import Progress, _predict, _quiet_progress, features, fit

__all__ = ["AnalysisResult", "analyze"]


@dataclass
class AnalysisResult:
    store: Path
    report: Path
    n_labeled: int
    n_unlabeled: int
    oof_accuracy: float
    disputed: int
    left_out: list[str]


def analyze(
    config: ProjectConfig, *, progress: Progress = _quiet_progress, callbacks: Sequence[Any] = ()
) -> AnalysisResult:
    """Out-of-fold probabilities (k = ``config.folds``) for the labeled images, and the final
    model's for the images of the project's other lists; publish them to the predictions store
    and write ``inference-analysis.json`` (labeled images whose own-label confidence is below
    the threshold, lowest first). ``callbacks`` (Keras callbacks) see every fold's training.
    """
    keras().utils.set_random_seed(config.seed)
    data = labeled_set(config)
    names = data.names
    k = len(names)
    labeled = set(data.items)
    extra: list[str] = []
    for lst in config.all_lists():
        extra.extend(i for i in read_list(lst).items if i not in labeled)
    extra_items, extra_files, unsafe = resolve_items(config, list(dict.fromkeys(extra)))
    feats = features(config, data.files + extra_files, progress=progress)
    n = len(data.items)
    usable = np.flatnonzero(feats.ok[:n])
    if len(set(data.y[usable].tolist())) < 2:
        raise ValueError("analysis needs images of at least two labels")
    groups = groups_of([data.items[i] for i in usable], pattern=config.group_pattern)
    folds = assign_folds(data.y[usable], groups, k=config.folds, seed=config.seed)
    oof = np.full((n, k), np.nan)
    for f in range(config.folds):
        progress("out-of-fold training", f, config.folds + 1)
        train_idx, test_idx = usable[folds != f], usable[folds == f]
        if not len(test_idx):
            continue
        model, _ = fit(config, feats, data.y, train_idx, n_classes=k, callbacks=callbacks)
        oof[test_idx] = _predict(model, feats.x[test_idx], config.batch_size)
    progress("out-of-fold training", config.folds, config.folds + 1)
    extra_ok = [i for i in range(n, n + len(extra_items)) if feats.ok[i]]
    extra_probs = np.zeros((0, k))
    if extra_ok:
        model, _ = fit(config, feats, data.y, usable, n_classes=k)
        extra_probs = _predict(model, feats.x[extra_ok], config.batch_size)
    progress("out-of-fold training", config.folds + 1, config.folds + 1)

    quality = label_quality(data.y[usable], oof[usable])
    store = PredictionStore(labels=names, created=time.time(), model=f"{config.backbone} head, {config.folds}-fold")
    for j, i in enumerate(usable):
        p = oof[i]
        store.items[data.items[i]] = Prediction(
            path=data.items[i], given=names[data.y[i]], probs=[round(float(v), 6) for v in p],
            predicted=names[int(p.argmax())], confidence=float(p.max()), oof=True, quality=float(quality[j]),
        )  # fmt: skip
    for j, i in enumerate(extra_ok):
        p = extra_probs[j]
        item = extra_items[i - n]
        store.items[item] = Prediction(
            path=item, given=None, probs=[round(float(v), 6) for v in p],
            predicted=names[int(p.argmax())], confidence=float(p.max()), oof=False, quality=None,
        )  # fmt: skip
    path = write_predictions(config.state_dir, store)

    low = [i for i in np.argsort(quality, kind="stable") if quality[i] < config.threshold]
    report = [
        {
            "path": data.items[usable[i]],
            "label": names[data.y[usable[i]]],
            "confidence": round(float(quality[i]), 6),
            "predicted": names[int(oof[usable[i]].argmax())],
            "probabilities": {name: round(float(v), 6) for name, v in zip(names, oof[usable[i]])},
        }
        for i in low
    ]
    report_path = config.base_dir / "inference-analysis.json"
    atomic_write_bytes(report_path, json.dumps(report, indent=1).encode())
    left_out = data.problems + unsafe + [
        f"{(data.items + extra_items)[i]}: {why}" for i, why in sorted(feats.errors.items())
    ]
    acc = float((oof[usable].argmax(axis=1) == data.y[usable]).mean())
    return AnalysisResult(
        store=path, report=report_path, n_labeled=len(usable), n_unlabeled=len(extra_ok),
        oof_accuracy=acc, disputed=len(rank_label_issues(data.y[usable], oof[usable])), left_out=left_out,
    )  # fmt: skip
